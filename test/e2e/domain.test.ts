/**
 * `deploy --domain`: a verified custom domain makes the canonical MCP URL an identifier URI, so a
 * client that sends RFC 8707 `resource` (as the MCP authorization spec requires) gets a token;
 * without it Entra refuses (AADSTS9010010) and `mcp-obo test` says so. Early failures change nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { discoverOAuthProtectedResourceMetadata, selectResourceURL } from '@modelcontextprotocol/sdk/client/auth.js';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, init, scratch, writes } from '../helpers/cli.ts';
import { trustCa } from '../helpers/trust.ts';
import { assertContract } from '../helpers/contract.ts';

const DOMAIN = 'mcp.contoso.test';
let emu: Emulator;
let cwd: string;
let env: Record<string, string>;
type Obj = Record<string, any> & { id: string };

before(async () => {
  emu = await startEmulator();
  trustCa(emu.caPem);
  emu.graph.addDomain('contoso.test', true);
  emu.graph.addDomain('fabrikam.test', false);
  cwd = await scratch();
  env = cliEnv(emu, 'user');
  await init(emu, cwd, { id: 'dm01' }, env);
  assert.equal((await runCli(['provision', '--consent'], env, { cwd, timeoutMs: 120_000 })).code, 0);
  const r = await runCli(['deploy', '--json'], env, { cwd, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
});
after(() => emu?.close());

test('straight at Entra (--auth entra) without a domain: deploy and mcp-obo test say which clients Entra refuses, and the fixes', async () => {
  const d = await deploymentFile(cwd);
  const facade = assertContract('deploy', (await runCli(['deploy', '--image', d.resources.containerApp.image, '--json'], env, { cwd, timeoutMs: 180_000 })).stdout, { ok: true }) as { warning: string | null };
  assert.equal(facade.warning, null, 'the authorization facade (the default) serves every client');
  const r = await runCli(['deploy', '--auth', 'entra', '--image', d.resources.containerApp.image, '--json'], env, { cwd, timeoutMs: 180_000 });
  const summary = assertContract('deploy', r.stdout, { ok: true }) as { warning: string };
  assert.match(summary.warning, /AADSTS9010010/);
  assert.match(summary.warning, /--domain/);
  const t = await runCli(['test'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(t.code, 0, t.stdout);
  assert.match(t.stdout, /! RFC 8707 resource accepted by Entra .*AADSTS9010010/);
  assert.match(t.stdout, /→ Fix: `mcp-obo deploy --domain/);
});

test('an unverified domain fails early, explains verification, and changes nothing', async () => {
  emu.requests.length = 0;
  const r = await runCli(['deploy', '--domain', 'mcp.fabrikam.test'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /mcp\.fabrikam\.test is not on a domain verified in this Entra tenant/);
  assert.match(r.stderr, /Custom domain names > Add/);
  assert.deepEqual(writes(emu.requests).map((w) => `${w.method} ${w.path}`), []);
});

test('a missing DNS record fails early, names the record, lists both, and changes nothing', async () => {
  emu.requests.length = 0;
  const r = await runCli(['deploy', '--domain', DOMAIN], env, { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /DNS records for mcp\.contoso\.test are not in place: .*asuid\.mcp\.contoso\.test/);
  assert.match(r.stderr, /CNAME {2}mcp\.contoso\.test {2}-> {2}ca-e2e-dev-dm01\./);
  assert.match(r.stderr, /TXT {4}asuid\.mcp\.contoso\.test {2}= {2}[0-9A-F]{64}/i);
  assert.deepEqual(writes(emu.requests).filter((w) => !/listCustomHostNameAnalysis/.test(w.path)).map((w) => `${w.method} ${w.path}`), []);
  assert.equal((await deploymentFile(cwd)).domain, undefined);
});

test('deploy --domain --dns-zone: records, certificate, binding, identifier URI, and metadata under the domain', async () => {
  const d = await deploymentFile(cwd);
  const token = await emu.mintUserToken({ aud: 'https://management.azure.com', scp: 'user_impersonation' });
  const zone = await fetch(`${emu.url}/subscriptions/${emu.subscriptionId}/resourceGroups/rg-e2e-dev-dm01/providers/Microsoft.Network/dnsZones/contoso.test?api-version=2018-05-01`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ location: 'global' }),
  });
  assert.ok(zone.status < 300, `zone: ${zone.status}`);

  const r = await runCli(['deploy', '--domain', DOMAIN, '--dns-zone', 'contoso.test', '--json'], env, { cwd, timeoutMs: 240_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const summary = assertContract('deploy', r.stdout, { ok: true }) as { mcpUrl: string; warning: string | null };
  assert.equal(summary.mcpUrl, `https://${DOMAIN}/mcp`);
  assert.equal(summary.warning, null);

  const after = await deploymentFile(cwd);
  assert.equal(after.domain, DOMAIN);
  assert.equal(after.mcpUrl, `https://${DOMAIN}/mcp`);
  const app = (emu.state().arm as Obj[]).find((x) => x.type === 'Microsoft.App/containerApps' && x.name === 'ca-e2e-dev-dm01')!;
  const custom = app.properties.configuration.ingress.customDomains;
  assert.deepEqual(custom.map((c: Obj) => [c.name, c.bindingType]), [[DOMAIN, 'SniEnabled']]);
  const cert = (emu.state().arm as Obj[]).find((x) => String(x.id).toLowerCase() === String(custom[0].certificateId).toLowerCase())!;
  assert.equal(cert.properties.provisioningState, 'Succeeded');
  assert.equal(cert.properties.subjectName, DOMAIN);
  const vars = Object.fromEntries(app.properties.template.containers[0].env.map((e: Obj) => [e.name, e.value]));
  assert.equal(vars.APP_URL, `https://${DOMAIN}`);
  assert.equal(vars.MCP_OBO_IDENTIFIER_URI, `https://${DOMAIN}/mcp`);
  const registration = (emu.state().graph as unknown as Record<string, Obj[]>).applications!.find((a) => a.id === d.resources.application.objectId)!;
  assert.deepEqual([...registration.identifierUris].sort(), [`api://${d.resources.application.appId}`, `https://${DOMAIN}/mcp`]);

  // A later provision keeps the identifier URI, a later deploy keeps the binding.
  assert.equal((await runCli(['provision'], env, { cwd, timeoutMs: 120_000 })).code, 0);
  const registration2 = (emu.state().graph as unknown as Record<string, Obj[]>).applications!.find((a) => a.id === d.resources.application.objectId)!;
  assert.ok(registration2.identifierUris.includes(`https://${DOMAIN}/mcp`));
});

test('the MCP SDK client accepts the metadata, and Entra accepts its token request with resource', async () => {
  const d = await deploymentFile(cwd);
  const ingress = `https://${d.resources.containerApp.fqdn}`;
  // The domain's DNS points at the app; here the ingress is reached by its address.
  const viaIngress: typeof fetch = (input, init) => fetch(String(input instanceof Request ? input.url : input).replace(`https://${DOMAIN}`, ingress), init);
  const serverUrl = new URL(`https://${DOMAIN}/mcp`);
  const prm = await discoverOAuthProtectedResourceMetadata(serverUrl, {}, viaIngress);
  assert.equal(prm.resource, `https://${DOMAIN}/mcp`);
  assert.deepEqual(prm.scopes_supported, [`https://${DOMAIN}/mcp/access_as_user`]);
  const resource = await selectResourceURL(serverUrl, { validateResourceURL: undefined } as never, prm);
  assert.equal(resource?.href, `https://${DOMAIN}/mcp`);

  // The client's token request: scope from the metadata, resource = the canonical URL.
  const authority = `${emu.url}/${emu.tenantId}`;
  const form = (o: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(o) });
  const dc = await fetch(`${authority}/oauth2/v2.0/devicecode`, form({ client_id: 'aebc6443-996d-45c2-90f0-388ff96faa56', scope: `${prm.scopes_supported![0]} openid profile offline_access`, resource: resource!.href }));
  assert.equal(dc.status, 200, await dc.clone().text());
  const { device_code } = (await dc.json()) as { device_code: string };
  let token: string | undefined;
  for (let i = 0; i < 20 && !token; i++) {
    const t = await fetch(`${authority}/oauth2/v2.0/token`, form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: 'aebc6443-996d-45c2-90f0-388ff96faa56', device_code, resource: resource!.href }));
    const body = (await t.json()) as { access_token?: string; error?: string };
    if (body.access_token) token = body.access_token;
    else await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(token, 'a token for the client that sent resource');
  const res = await fetch(`${ingress}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_user_context', arguments: {} } }),
  });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { result: { structuredContent: { name: string } } }).result.structuredContent.name, emu.cliUser.displayName);

  // The same request for the app's default URL, which is not an identifier URI, is refused.
  const refused = await fetch(`${authority}/oauth2/v2.0/devicecode`, form({ client_id: 'aebc6443-996d-45c2-90f0-388ff96faa56', scope: `api://${d.resources.application.appId}/access_as_user`, resource: `https://${d.resources.containerApp.fqdn}/mcp` }));
  assert.equal(refused.status, 400);
  assert.match(((await refused.json()) as { error_description: string }).error_description, /AADSTS9010010/);
});

test('mcp-obo test checks the triangle against the domain deployment and passes', async () => {
  // The domain does not resolve here, so the app is reached at its ingress address with --url.
  const d = await deploymentFile(cwd);
  const r = await runCli(['test', '--url', `https://${d.resources.containerApp.fqdn}`, '--json'], env, { cwd, timeoutMs: 60_000 });
  const out = JSON.parse(r.stdout) as { checks: { name: string; ok: boolean; warning?: boolean; detail: string }[] };
  assert.equal(r.code, 0, JSON.stringify(out.checks, null, 1));
  assert.match(out.checks.find((c) => c.name === 'protected-resource metadata')!.detail, new RegExp(`resource https://${DOMAIN}/mcp, scope https://${DOMAIN}/mcp/access_as_user`));
  for (const name of ['authorization server metadata', 'client registration', 'authorize refusals', 'consent page']) {
    assert.ok(out.checks.find((c) => c.name === name)?.ok, `${name} (facade, the default mode)`);
  }
  assert.ok(!JSON.stringify(out.checks).includes('"detail":"undefined'), 'facade endpoints are reached through --url');
});

test('the domain deployment works straight at Entra too (--auth entra): Entra accepts resource = the domain URL', async () => {
  const d = await deploymentFile(cwd);
  const r = await runCli(['deploy', '--auth', 'entra', '--image', d.resources.containerApp.image, '--json'], env, { cwd, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  const t = await runCli(['test', '--url', `https://${d.resources.containerApp.fqdn}`, '--json'], env, { cwd, timeoutMs: 60_000 });
  const out = JSON.parse(t.stdout) as { checks: { name: string; ok: boolean; warning?: boolean; detail: string }[] };
  assert.equal(t.code, 0, JSON.stringify(out.checks, null, 1));
  const probe = out.checks.find((c) => c.name === 'RFC 8707 resource accepted by Entra')!;
  assert.ok(probe.ok && !probe.warning, probe.detail);
});

test('mcp-obo test fails the triangle when the server does not advertise the identifier URI', async () => {
  const d = await deploymentFile(cwd);
  const wrong = { ...d, resources: { ...d.resources, customDomain: { ...d.resources.customDomain, identifierUri: 'https://other.contoso.test/mcp' } } };
  const dir = await scratch();
  const { writeFile } = await import('node:fs/promises');
  await writeFile(`${dir}/mcp-obo.e2e-dev.json`, JSON.stringify(wrong));
  const r = await runCli(['test', '--url', `https://${d.resources.containerApp.fqdn}`], env, { cwd: dir, timeoutMs: 60_000 });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /✖ protected-resource metadata .*identifier URI is https:\/\/other\.contoso\.test\/mcp/);
});

test('bad domain flags fail before any call; a certificate that is not issued is explained', async () => {
  emu.requests.length = 0;
  for (const [args, pattern] of [
    [['--domain', 'not_a_host'], /--domain "not_a_host" is not a host name/],
    [['--domain', 'x.kindsea.azurecontainerapps.io'], /must be your own domain/],
    [['--dns-zone', 'contoso.test'], /--dns-zone needs --domain/],
  ] as const) {
    const r = await runCli(['deploy', ...args], env, { cwd });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, pattern);
  }
  assert.equal(emu.requests.length, 0);

  emu.arm.failNextOperation('Microsoft.App/managedEnvironments/managedCertificates', { code: 'ManagedCertificateValidationFailed', message: 'DNS validation timed out (emulated)' });
  const r = await runCli(['deploy', '--domain', 'api.contoso.test', '--dns-zone', 'contoso.test'], env, { cwd, timeoutMs: 240_000 });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /the managed certificate for api\.contoso\.test was not issued/);
  assert.match(r.stderr, /rerun `mcp-obo deploy --domain api\.contoso\.test`/);
  assert.equal((await deploymentFile(cwd)).domain, DOMAIN, 'the working domain is kept');
  const app = (emu.state().arm as Obj[]).find((x) => x.type === 'Microsoft.App/containerApps' && x.name === 'ca-e2e-dev-dm01')!;
  const bound = app.properties.configuration.ingress.customDomains.find((c: Obj) => c.name === DOMAIN);
  assert.equal(bound?.bindingType, 'SniEnabled', 'and still bound on the app');
});

test('a certificate that stays pending stops deploy after --timeout with what to check; a rerun picks it up', async () => {
  emu.aca.certificatesPending(true);
  try {
    const r = await runCli(['deploy', '--domain', 'api2.contoso.test', '--dns-zone', 'contoso.test', '--timeout', '3s'], env, { cwd, timeoutMs: 120_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /the managed certificate for api2\.contoso\.test is still Pending after <1 min/);
    assert.match(r.stderr, /reachable .*CAA record must allow digicert\.com/);
    assert.match(r.stderr, /Rerun `mcp-obo deploy --domain api2\.contoso\.test` later \(it waits for the pending certificate\)/);
  } finally {
    emu.aca.certificatesPending(false);
  }
  emu.requests.length = 0;
  const again = await runCli(['deploy', '--domain', 'api2.contoso.test'], env, { cwd, timeoutMs: 240_000 });
  assert.equal(again.code, 0, again.stderr);
  assert.ok(!emu.requests.some((q) => q.method === 'PUT' && /managedCertificates/i.test(q.path)), 'the pending certificate is not requested twice');
  assert.equal((await deploymentFile(cwd)).domain, 'api2.contoso.test');
});

test('an apex domain: an A record to the environment and HTTP validation, as Container Apps requires', async () => {
  const r = await runCli(['deploy', '--domain', 'contoso.test', '--dns-zone', 'contoso.test', '--json'], env, { cwd, timeoutMs: 240_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const environment = (emu.state().arm as Obj[]).find((x) => x.type === 'Microsoft.App/managedEnvironments')!;
  assert.deepEqual(emu.dns.lookup('contoso.test', 'A'), [environment.properties.staticIp]);
  assert.deepEqual(emu.dns.lookup('contoso.test', 'CNAME'), [], 'no CNAME at the zone apex');
  const app = (emu.state().arm as Obj[]).find((x) => x.type === 'Microsoft.App/containerApps' && x.name === 'ca-e2e-dev-dm01')!;
  const bound = app.properties.configuration.ingress.customDomains.find((c: Obj) => c.name === 'contoso.test');
  assert.equal(bound?.bindingType, 'SniEnabled');
  const cert = (emu.state().arm as Obj[]).find((x) => String(x.id).toLowerCase() === String(bound.certificateId).toLowerCase())!;
  assert.equal(cert.properties.domainControlValidation, 'HTTP');
  assert.equal((await deploymentFile(cwd)).mcpUrl, 'https://contoso.test/mcp');
});
