/**
 * The DynamoDB document client. No endpoint is hard-coded: the SDK reads `AWS_ENDPOINT_URL` /
 * `AWS_ENDPOINT_URL_DYNAMODB`, which point it at DynamoDB Local or LocalStack when set.
 */
import { CreateTableCommand, DynamoDBClient, ResourceInUseException, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export function makeDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5, ...config }), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** Creates tables that do not exist yet (for the local stack and tests; AWS gets them from CDK). */
export async function ensureTables(client: DynamoDBDocumentClient, definitions: CreateTableCommandInput[]): Promise<void> {
  await Promise.all(
    definitions.map(async (definition) => {
      try {
        await client.send(new CreateTableCommand(definition));
      } catch (err) {
        if (!(err instanceof ResourceInUseException)) throw err;
      }
    }),
  );
}
