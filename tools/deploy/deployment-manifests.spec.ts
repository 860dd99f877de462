import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

// docker-compose.yml and infra/k8s must parse, start only apps that exist, pass only environment
// variables the code reads (and every one it requires), and use only images that are built here
// or pinned public ones.
const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** The variables the runtime reads: every `env.NAME` in the platform's configuration and runtime. */
const knownVariables = new Set([
  ...[...read('libs/platform/src/config.ts').matchAll(/env\.([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1]),
  'SERVICE', // picks the entry point in infra/docker/Dockerfile
  'NODE_ENV',
]);
const requiredByServices = ['DATABASE_URL', 'JWT_SECRET', 'KAFKA_BROKERS'];
const serviceApps = readdirSync(join(root, 'apps')).filter((app) => existsSync(join(root, 'apps', app, 'src/main.ts')));
const builtImage = 'crm-backend:latest';
const pinned = (image: string) => /^[\w./-]+:[\w.-]+$/.test(image) && !image.endsWith(':latest');

type ComposeService = { image?: string; build?: unknown; environment?: Record<string, string>; depends_on?: Record<string, unknown> | string[] };

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
  const ours = Object.entries(compose.services).filter(([, service]) => service.build);

  it('defines the four services built from the Dockerfile, each starting an app that exists', () => {
    expect(ours.map(([name]) => name).sort()).toEqual(['analytics-service', 'leads-service', 'opportunities-service', 'tasks-service']);
    for (const [name, service] of ours) {
      expect(service.image).toBe(builtImage);
      expect(service.environment?.SERVICE).toBe(name);
      expect(serviceApps).toContain(service.environment?.SERVICE);
    }
  });

  it('passes only variables the code reads, and every one a service requires', () => {
    for (const [, service] of ours) {
      const names = Object.keys(service.environment ?? {});
      expect(names.filter((name) => !knownVariables.has(name))).toEqual([]);
      expect(requiredByServices.filter((name) => !names.includes(name))).toEqual([]);
    }
  });

  it('uses pinned public images, depends only on defined services, and routes the gateway to them', () => {
    for (const [, service] of Object.entries(compose.services).filter(([, s]) => !s.build)) expect(pinned(service.image ?? '')).toBe(true);
    for (const [, service] of Object.entries(compose.services)) {
      const dependencies = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const dependency of dependencies) expect(Object.keys(compose.services)).toContain(dependency);
    }
    const upstreams = [...read('infra/docker/gateway.conf').matchAll(/proxy_pass http:\/\/([\w-]+):/g)].map((match) => match[1]);
    expect(upstreams.length).toBeGreaterThan(0);
    for (const upstream of upstreams) expect(Object.keys(compose.services)).toContain(upstream);
    const initScript = compose.services.postgres as { volumes?: string[] };
    for (const volume of initScript.volumes ?? []) if (volume.startsWith('./')) expect(existsSync(join(root, volume.split(':')[0]))).toBe(true);
  });
});

type K8sDoc = {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    template?: { spec: { containers: Array<{ image: string; env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } } }>; envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }> }> } };
    selector?: Record<string, unknown>;
    scaleTargetRef?: { kind: string; name: string };
  };
};

describe('infra/k8s', () => {
  const docs: K8sDoc[] = readdirSync(join(root, 'infra/k8s'))
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) =>
      parseAllDocuments(read(`infra/k8s/${file}`)).map((doc) => {
        expect(doc.errors).toEqual([]);
        return doc.toJS() as K8sDoc;
      }),
    );
  const byKind = (kind: string) => docs.filter((doc) => doc.kind === kind);
  const configMaps = new Map(byKind('ConfigMap').map((doc) => [doc.metadata.name, doc.data ?? {}]));
  const secrets = new Map(byKind('Secret').map((doc) => [doc.metadata.name, { ...(doc.data ?? {}), ...(doc.stringData ?? {}) }]));

  it('has a Deployment and a Service per service, and an autoscaler for analytics', () => {
    expect(byKind('Deployment').map((doc) => doc.metadata.name).sort()).toEqual(['analytics-service', 'leads-service', 'opportunities-service', 'tasks-service']);
    expect(byKind('Service').map((doc) => doc.metadata.name).sort()).toEqual(['analytics-service', 'leads-service', 'opportunities-service', 'tasks-service']);
    const [hpa] = byKind('HorizontalPodAutoscaler');
    expect(hpa.spec?.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'analytics-service' });
  });

  it('gives each container only variables the code reads, from keys that exist, including every required one', () => {
    for (const deployment of byKind('Deployment')) {
      for (const container of deployment.spec?.template?.spec.containers ?? []) {
        expect(container.image).toBe(builtImage);
        const names = new Set<string>();
        for (const entry of container.env ?? []) {
          names.add(entry.name);
          if (entry.name === 'SERVICE') expect(serviceApps).toContain(entry.value);
          const secretRef = entry.valueFrom?.secretKeyRef;
          if (secretRef) expect(Object.keys(secrets.get(secretRef.name) ?? {})).toContain(secretRef.key);
          const configRef = entry.valueFrom?.configMapKeyRef;
          if (configRef) expect(Object.keys(configMaps.get(configRef.name) ?? {})).toContain(configRef.key);
        }
        for (const source of container.envFrom ?? []) {
          const values = source.configMapRef ? configMaps.get(source.configMapRef.name) : source.secretRef ? secrets.get(source.secretRef.name) : undefined;
          expect(values).toBeDefined();
          for (const name of Object.keys(values ?? {})) names.add(name);
        }
        expect([...names].filter((name) => !knownVariables.has(name))).toEqual([]);
        expect(requiredByServices.filter((name) => !names.has(name))).toEqual([]);
      }
    }
  });
});
