/** Keys of records that more than one adapter reads or writes, in the records table. */
export const agentKey = (agentId: string) => ({ pk: `agent#${agentId}`, sk: 'profile' });
export const credentialKey = (hash: string) => ({ pk: `cred#${hash}`, sk: 'cred' });
export const artifactKey = (artifactId: string) => ({ pk: `artifact#${artifactId}`, sk: 'artifact' });
export const inboxKey = (agentId: string, itemId: string) => ({ pk: `agent#${agentId}`, sk: `inbox#${itemId}` });
