/**
 * moto_server (local/moto.ts) for the tests that need the ECS control plane, KMS or EventBridge:
 * started on a free loopback port, reset between tests, stopped at the end. Where moto_server is
 * not installed those tests are skipped, with the reason in their title.
 */
import { hasMoto as motoInstalled, startMoto, type Moto } from '../../local/moto.js';

export { startMoto, type Moto };
export const hasMoto = motoInstalled();
export const MOTO_MISSING = 'skipped: moto_server is not installed (pip install "moto[server]")';

export const awsTestConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});
