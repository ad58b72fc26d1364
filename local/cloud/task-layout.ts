/**
 * Where things are inside a task of the local Fargate stand-in (fargate.ts): the agent image's own
 * layout (agent-container/Dockerfile), so that the supervisor runs with the image's environment
 * unchanged, plus the two things the stand-in adds: the launcher that puts the agent runtime into
 * its sandbox (agent-launcher.ts) and the agent API's unix socket it binds in.
 */
export const TASK_PATHS = {
  workspace: '/workspace',
  supervisor: '/app/supervisor.mjs',
  runtime: '/app/runtime.mjs',
  genesis: '/app/genesis',
  launcher: '/app/launcher.mjs',
  apiSocket: '/run/syntropism/api.sock',
} as const;
