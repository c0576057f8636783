/**
 * deploy/kubernetes: every manifest is valid against the Kubernetes (and KEDA, Prometheus Operator) schemas,
 * and the pieces fit together and with the service: selectors select, ports and probe paths exist, env names
 * are ones the config schema reads, the KEDA trigger watches the queue the workers consume.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { envSchema } from '../../src/config/schema';
import { SECRET_VARIABLES } from '../../src/config/secret-files';
import { QUEUES } from '../../src/queue/names';

const ROOT = path.resolve(__dirname, '..', '..');
const KUBERNETES = path.join(ROOT, 'deploy', 'kubernetes');

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are free-form YAML, checked field by field */
type Manifest = Record<string, any>;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return yamlFiles(full);
    return name.endsWith('.yaml') ? [full] : [];
  });
}

const load = (file: string): Manifest[] =>
  parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => document.toJS() as Manifest)
    .filter(Boolean);

const base = yamlFiles(path.join(KUBERNETES, 'base'))
  .flatMap(load)
  .filter((m) => m.kind !== 'Kustomization');
const ofKind = (kind: string) => base.filter((m) => m.kind === kind);
const named = (kind: string, name: string) => ofKind(kind).find((m) => m.metadata.name === name);
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);
const workloads = () => [...ofKind('Deployment'), ...ofKind('Job')];
const containers = (workload: Manifest): Manifest[] => workload.spec.template.spec.containers;

describe('Kubernetes manifests', () => {
  it('are all valid against the schemas of their kinds', () => {
    const files = yamlFiles(KUBERNETES);
    const run = spawnSync(process.execPath, [path.join(ROOT, 'test', 'support', 'validate-kubernetes.mjs'), ...files], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    const results = JSON.parse(run.stdout) as Array<{ file: string; kind: string; name: string; error: string | null }>;
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(new Set(results.map((r) => r.kind))).toEqual(
      new Set([
        'ServiceAccount',
        'ConfigMap',
        'Job',
        'Deployment',
        'Service',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'ScaledObject',
        'TriggerAuthentication',
        'ServiceMonitor',
        'NetworkPolicy',
      ]),
    );
  });

  it('the validator refuses an invalid manifest (the check above can fail)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adp-k8s-'));
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\nspec: { replicas: two }\n');
    const run = spawnSync(process.execPath, [path.join(ROOT, 'test', 'support', 'validate-kubernetes.mjs'), file], {
      encoding: 'utf8',
    });
    rmSync(dir, { recursive: true, force: true });
    expect(JSON.parse(run.stdout)[0].error).toMatch(/replicas must be integer/);
  });

  it('kustomizations list files that exist', () => {
    for (const file of yamlFiles(KUBERNETES).filter((f) => f.endsWith('kustomization.yaml'))) {
      const [kustomization] = load(file);
      for (const resource of kustomization!.resources as string[])
        expect(existsSync(path.join(path.dirname(file), resource))).toBe(true);
    }
    const listed = (load(path.join(KUBERNETES, 'base', 'kustomization.yaml'))[0]!.resources as string[]).sort();
    expect(listed).toEqual(
      readdirSync(path.join(KUBERNETES, 'base'))
        .filter((f) => f !== 'kustomization.yaml')
        .sort(),
    );
  });

  it('selectors of Deployments, Services, PodDisruptionBudgets and the ServiceMonitor select pods', () => {
    for (const deployment of ofKind('Deployment')) {
      expect(selects(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
    }
    for (const owner of [...ofKind('Service'), ...ofKind('PodDisruptionBudget')]) {
      const selector = owner.spec.selector.matchLabels ?? owner.spec.selector;
      expect(ofKind('Deployment').filter((d) => selects(selector, d.spec.template.metadata.labels))).toHaveLength(1);
    }
    const monitor = ofKind('ServiceMonitor')[0]!;
    const services = ofKind('Service').filter((s) =>
      selects(monitor.spec.selector.matchLabels, {
        'app.kubernetes.io/name': 'appdirect-provisioner',
        ...s.metadata.labels,
      }),
    );
    expect(services.map((s) => s.metadata.name).sort()).toEqual([
      'appdirect-provisioner-api',
      'appdirect-provisioner-worker',
    ]);
  });

  it("Service ports and probes name ports the selected containers expose, and probe the service's endpoints", () => {
    for (const service of ofKind('Service')) {
      const deployment = ofKind('Deployment').find((d) =>
        selects(service.spec.selector, d.spec.template.metadata.labels),
      )!;
      const portNames = containers(deployment).flatMap((c) => (c.ports ?? []).map((p: Manifest) => p.name));
      for (const port of service.spec.ports) expect(portNames).toContain(port.targetPort);
    }
    for (const deployment of ofKind('Deployment')) {
      for (const container of containers(deployment)) {
        const portNames = (container.ports ?? []).map((p: Manifest) => p.name);
        expect(container.livenessProbe.httpGet.path).toBe('/livez');
        expect(container.readinessProbe.httpGet.path).toBe('/readyz');
        for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'])
          expect(portNames).toContain(container[probe].httpGet.port);
      }
    }
    const api = containers(named('Deployment', 'appdirect-provisioner-api')!)[0]!;
    const worker = containers(named('Deployment', 'appdirect-provisioner-worker')!)[0]!;
    const config = named('ConfigMap', 'appdirect-provisioner')!.data as Record<string, string>;
    expect(api.ports[0].containerPort).toBe(Number(config.PORT));
    expect(worker.ports[0].containerPort).toBe(Number(config.METRICS_PORT));
  });

  it('every pod runs non-root on a read-only root filesystem, without privilege escalation or capabilities', () => {
    for (const workload of workloads()) {
      const pod = workload.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: expect.any(Number) });
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const container of pod.containers) {
        expect(container.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.resources.requests).toEqual({ cpu: expect.anything(), memory: expect.any(String) });
        expect(container.resources.limits.memory).toEqual(expect.any(String));
      }
    }
  });

  it('configures only variables the service (or Node) reads, and takes secrets from a Secret by reference', () => {
    const RUNTIME_VARIABLES = ['NODE_OPTIONS'];
    const known = new Set(Object.keys(envSchema.shape));
    for (const key of Object.keys(named('ConfigMap', 'appdirect-provisioner')!.data)) expect(known).toContain(key);
    for (const key of Object.keys(named('ConfigMap', 'appdirect-provisioner')!.data))
      expect(SECRET_VARIABLES).not.toContain(key);
    expect(ofKind('Secret')).toEqual([]);
    for (const workload of workloads()) {
      for (const container of containers(workload)) {
        expect(container.envFrom).toEqual([
          { configMapRef: { name: 'appdirect-provisioner' } },
          { secretRef: { name: 'appdirect-provisioner' } },
        ]);
        // Besides the service's own: what Node reads (the worker's memory settings).
        for (const variable of container.env ?? [])
          expect(known.has(variable.name.replace(/_FILE$/, '')) || RUNTIME_VARIABLES.includes(variable.name)).toBe(
            true,
          );
      }
    }
  });

  it("bounds the API's and the workers' heap and keeps the image's source maps (NODE_OPTIONS replaces the image's)", () => {
    for (const name of ['appdirect-provisioner-api', 'appdirect-provisioner-worker']) {
      const deployment = named('Deployment', name);
      expect(deployment).toBeDefined();
      for (const container of containers(deployment!)) {
        const options = (container.env ?? []).find((variable: { name: string }) => variable.name === 'NODE_OPTIONS');
        expect(options?.value).toMatch(/--max-old-space-size=\d+/);
        expect(options?.value).toContain('--enable-source-maps');
      }
    }
  });

  it('scales what exists: autoscalers target the Deployments, KEDA watches the events wait list', () => {
    for (const autoscaler of [...ofKind('HorizontalPodAutoscaler'), ...ofKind('ScaledObject')]) {
      expect(named('Deployment', autoscaler.spec.scaleTargetRef.name)).toBeDefined();
    }
    const scaled = ofKind('ScaledObject')[0]!;
    const defaultPrefix = envSchema.shape.QUEUE_PREFIX.parse(undefined);
    expect(scaled.spec.triggers[0].metadata.listName).toBe(`${defaultPrefix}:${QUEUES.events}:wait`);
    expect(named('TriggerAuthentication', scaled.spec.triggers[0].authenticationRef.name)).toBeDefined();
    const alternative = load(path.join(KUBERNETES, 'alternatives', 'worker-hpa.yaml'))[0]!;
    expect(named('Deployment', alternative.spec.scaleTargetRef.name)).toBeDefined();
  });

  it("the migration Job runs the image's migrate command with the same configuration", () => {
    const job = ofKind('Job')[0]!;
    expect(containers(job)[0]!.args).toEqual(['migrate']);
    expect(containers(job)[0]!.image).toBe(containers(ofKind('Deployment')[0]!)[0]!.image);
    expect(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/migrate\) exec node .*dist\/bin\/migrate\.js/);
  });

  it("gives every variable a value the service's own schema accepts, and lets probes reach the workers", () => {
    const config = ofKind('ConfigMap')[0]!.data as Record<string, string>;
    const shape = envSchema.shape as Record<
      string,
      { safeParse(value: unknown): { success: boolean; error?: unknown } }
    >;
    for (const [name, value] of Object.entries(config))
      expect({ name, accepted: shape[name]!.safeParse(value).success }).toEqual({ name, accepted: true });
    // Kubelet probes and Prometheus reach a worker on its pod IP: its /metrics server must not stay on loopback.
    expect(config.METRICS_HOST).toBe('0.0.0.0');
  });
});
