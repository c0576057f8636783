import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { callHook, loadHooks, loggingHooks } from '../../src/hooks';
import { createLogger } from '../../src/logging/logger';

describe('provisioning hooks', () => {
  const context = { development: true, eventToken: 'tok-1', logger: createLogger('silent', 'test') };

  it('loads the vendor module named by PROVISIONING_HOOKS_MODULE and calls its hooks', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hooks-'));
    const file = path.join(dir, 'hooks.js');
    writeFileSync(file, `const calls = []; exports.calls = calls; exports.hooks = { async accountCreated(args, ctx) { calls.push([args.accountIdentifier, ctx.development]); } };`);
    const hooks = await loadHooks(file);
    await callHook(hooks, 'accountCreated', { accountIdentifier: 'acct-1' }, context);
    await callHook(hooks, 'userAssigned', {}, context); // not implemented by the vendor: nothing happens
    expect((await import(file)).calls).toEqual([['acct-1', true]]);
  });

  it('refuses a module that exports no hooks', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hooks-'));
    const file = path.join(dir, 'empty.js');
    writeFileSync(file, 'exports.nothing = 1;');
    await expect(loadHooks(file)).rejects.toThrow('exports no ProvisioningHooks');
  });

  it('defaults to hooks that only log, for every kind', async () => {
    expect(await loadHooks(undefined)).toBe(loggingHooks);
    expect(Object.keys(loggingHooks)).toHaveLength(14);
  });
});
