import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  for (const service of globalThis.__testServices ?? []) await service.stop();
  if (process.env.TEST_ROOT) rmSync(process.env.TEST_ROOT, { recursive: true, force: true });
}
