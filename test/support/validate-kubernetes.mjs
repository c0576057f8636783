// Validates Kubernetes manifests against their schemas with the typed models of `kubernetes-models`
// (plus KEDA and Prometheus Operator). ES modules only, so the Jest test runs this file in a child process.
// Usage: node validate-kubernetes.mjs <file.yaml>... ; prints a JSON array of {file, kind, name, error}.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const PACKAGES = [
  [/^keda\.sh\//, '@kubernetes-models/keda'],
  [/^monitoring\.coreos\.com\//, '@kubernetes-models/prometheus-operator'],
  [/^/, 'kubernetes-models'],
];

const results = [];
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const manifest = document.toJS();
    if (!manifest || manifest.kind === 'Kustomization') continue;
    const [, pkg] = PACKAGES.find(([pattern]) => pattern.test(manifest.apiVersion));
    const entry = { file, kind: manifest.kind, name: manifest.metadata?.name ?? null, error: null };
    try {
      const models = await import(`${pkg}/${manifest.apiVersion}`);
      const Model = models[manifest.kind];
      if (!Model) throw new Error(`no model for ${manifest.apiVersion} ${manifest.kind}`);
      new Model(manifest).validate();
    } catch (error) {
      entry.error = error instanceof Error ? error.message : String(error);
    }
    results.push(entry);
  }
}
process.stdout.write(JSON.stringify(results));
