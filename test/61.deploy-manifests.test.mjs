// deploy/: the Kubernetes manifests and the Compose file, checked without a
// cluster or a Docker daemon.
//
// - Every manifest is validated against the Kubernetes API schemas shipped by
//   the npm package kubernetes-models: its JSON-schema validators (types,
//   required fields, enums, formats) and, because those accept unknown
//   fields, its TypeScript interfaces through the TypeScript compiler, whose
//   excess-property check rejects a misspelt field as `kubectl apply`
//   (strict field validation) would.
// - Cross-checks: selectors match the pod labels, the Service and every probe
//   use the named container port, every mounted ConfigMap/Secret (and key)
//   is defined in deploy/k8s or created by the README's commands, the files
//   the config names are where the mounts put them, the README applies every
//   manifest, and the ConfigMap's config passes `siphon --check`.
// - `siphon --check` runs on this checkout's build with the mounted files
//   laid out in a temp dir: the mount tree is rebuilt under it and
//   `/etc/siphon` in the config text is rewritten to that dir (siphon resolves
//   absolute paths as given, and the test cannot write /etc). A generated
//   certificate stands in for the TLS Secret.
// - The Compose file parses, names files that exist (./tls is made by the
//   openssl command docs/deployment.md gives, which is run here), publishes
//   the image's ports, and its mounts also pass `siphon --check`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import ts from 'typescript';
import YAML from 'yaml';

import { execForm, parseDockerfile } from './helpers/dockerfile.mjs';
import { fencedBlocks, shellCommands } from './helpers/markdown.mjs';
import { ROOT, runSiphon, tempDir } from './helpers/siphon.mjs';

const DEPLOY = path.join(ROOT, 'deploy');
const K8S = path.join(DEPLOY, 'k8s');
const MANIFEST_FILES = ['configmap.yaml', 'deployment.yaml', 'service.yaml', 'hpa.yaml', 'pdb.yaml'];
const SERVICE_ACCOUNT_KEYS = { 'kubernetes.io/tls': ['tls.crt', 'tls.key'] };

// YAML as kubectl and Compose read it: the result must not depend on the YAML
// version (1.1 reads 0440 as octal and `yes` as true; 1.2 does not).
function parseYamlDocs(file) {
  const text = fs.readFileSync(file, 'utf8');
  const read = (version) =>
    YAML.parseAllDocuments(text, { version }).map((doc) => {
      assert.deepEqual(doc.errors, [], `${file}: YAML errors`);
      return doc.toJS();
    });
  const docs = read('1.2');
  assert.deepEqual(read('1.1'), docs, `${file} reads differently as YAML 1.1 and 1.2 (octal numbers? yes/no?)`);
  return docs.filter((doc) => doc != null);
}

function loadManifests() {
  const manifests = [];
  for (const file of fs.readdirSync(K8S).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const obj of parseYamlDocs(path.join(K8S, file))) manifests.push({ file, obj });
  }
  return manifests;
}

const manifests = loadManifests();
const byKind = (kind) => manifests.filter((m) => m.obj.kind === kind).map((m) => m.obj);
const one = (kind) => {
  const found = byKind(kind);
  assert.equal(found.length, 1, `expected one ${kind} in deploy/k8s, found ${found.length}`);
  return found[0];
};

const dockerfile = parseDockerfile(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const runtimeStage = dockerfile.at(-1);
const entrypoint = execForm(runtimeStage.instructions.find((i) => i.op === 'ENTRYPOINT').args);
const mainConfigPath = entrypoint[entrypoint.indexOf('-c') + 1];
const exposed = runtimeStage.instructions
  .filter((i) => i.op === 'EXPOSE')
  .flatMap((i) => i.args.split(/\s+/))
  .map((p) => Number(p.split('/')[0]))
  .sort();

// --- schema validation -------------------------------------------------------

async function validateWithSchema(obj) {
  const module = await import(`kubernetes-models/${obj.apiVersion}/${obj.kind}`);
  new module[obj.kind](obj).validate();
}

// TypeScript diagnostics for `const m: I<Kind> = <manifest>` per manifest:
// kubernetes-models' interfaces, excess-property checks on the literal.
function typeCheck(objects) {
  const files = new Map();
  objects.forEach(({ label, obj }, i) => {
    const file = path.join(ROOT, 'test', `.k8s-manifest-${i}.ts`); // never written: served from memory
    files.set(file, {
      label,
      text:
        `import type { I${obj.kind} as Manifest } from "kubernetes-models/${obj.apiVersion}/${obj.kind}";\n` +
        `export const manifest: Manifest = ${JSON.stringify(obj, null, 2)};\n`,
    });
  });
  const options = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => (files.has(f) ? files.get(f).text : readFile.call(host, f));
  host.getSourceFile = (f, lang, ...rest) =>
    files.has(f) ? ts.createSourceFile(f, files.get(f).text, lang) : getSourceFile.call(host, f, lang, ...rest);
  const program = ts.createProgram([...files.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && files.has(d.file.fileName) ? files.get(d.file.fileName).label : d.file?.fileName ?? '';
    return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

// --- what the README's commands create ----------------------------------------

function flagValues(words, flag) {
  return words.filter((w) => w.startsWith(`${flag}=`)).map((w) => w.slice(flag.length + 1));
}

// { configMaps: {name: {key: sourceFile}}, secrets: {name: {type, keys}}, applied: [files] }
function readmeObjects(file) {
  const configMaps = {};
  const secrets = {};
  const applied = [];
  for (const command of shellCommands(file)) {
    const words = command.split(/\s+/);
    if (words.some((w) => w.startsWith('--dry-run'))) continue; // an update piped to apply, not a creation
    if (command.startsWith('kubectl create configmap ')) {
      const name = words[3];
      configMaps[name] = {};
      for (const spec of flagValues(words, '--from-file')) {
        const [key, source] = spec.includes('=') ? spec.split('=') : [path.basename(spec), spec];
        configMaps[name][key] = source;
      }
    } else if (command.startsWith('kubectl create secret tls ')) {
      secrets[words[4]] = { type: 'kubernetes.io/tls', keys: SERVICE_ACCOUNT_KEYS['kubernetes.io/tls'], cert: flagValues(words, '--cert')[0], key: flagValues(words, '--key')[0] };
    } else if (command.startsWith('kubectl apply ')) {
      words.forEach((w, i) => {
        if (w === '-f') applied.push(words[i + 1]);
      });
    }
  }
  return { configMaps, secrets, applied };
}

const readme = readmeObjects(path.join(K8S, 'README.md'));

// Every file a container sees under its mounts: containerPath -> { source, name, key }.
function mountedFiles(podSpec, container) {
  const definedConfigMaps = Object.fromEntries(byKind('ConfigMap').map((cm) => [cm.metadata.name, Object.keys(cm.data ?? {})]));
  const keysOf = (kind, name) => {
    if (kind === 'configMap') {
      const keys = definedConfigMaps[name] ?? (readme.configMaps[name] && Object.keys(readme.configMaps[name]));
      assert.ok(keys, `ConfigMap ${name} is mounted but neither defined in deploy/k8s nor created by deploy/k8s/README.md`);
      return keys;
    }
    const secret = readme.secrets[name];
    assert.ok(secret, `Secret ${name} is mounted but not created by deploy/k8s/README.md`);
    return secret.keys;
  };
  const files = new Map();
  const addSource = (mountPath, kind, name, items) => {
    const keys = keysOf(kind, name);
    for (const item of items ?? keys.map((key) => ({ key, path: key }))) {
      assert.ok(keys.includes(item.key), `${kind} ${name} has no key ${item.key} (has ${keys.join(', ')})`);
      files.set(path.posix.join(mountPath, item.path), { kind, name, key: item.key });
    }
  };
  for (const mount of container.volumeMounts ?? []) {
    const volume = podSpec.volumes.find((v) => v.name === mount.name);
    assert.ok(volume, `volumeMount ${mount.name} has no volume`);
    if (volume.configMap) addSource(mount.mountPath, 'configMap', volume.configMap.name, volume.configMap.items);
    if (volume.secret) addSource(mount.mountPath, 'secret', volume.secret.secretName, volume.secret.items);
    for (const source of volume.projected?.sources ?? []) {
      if (source.configMap) addSource(mount.mountPath, 'configMap', source.configMap.name, source.configMap.items);
      if (source.secret) addSource(mount.mountPath, 'secret', source.secret.name, source.secret.items);
    }
  }
  return files;
}

function makeCertificate(dir, certName, keyName) {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', path.join(dir, keyName), '-out', path.join(dir, certName)], { stdio: ['ignore', 'ignore', 'pipe'] });
}

// Lays out `files` (containerPath -> Buffer|string) under a temp root with
// /etc/siphon rewritten, runs `siphon --check` on the main config.
async function checkMountedConfig(files, env = {}) {
  const root = tempDir('mounts-');
  const rewrite = (text) => text.replaceAll('/etc/siphon', path.join(root, 'etc', 'siphon'));
  for (const [containerPath, content] of files) {
    const target = path.join(root, containerPath);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, /\.ya?ml$/.test(containerPath) ? rewrite(content.toString()) : content);
  }
  const result = await runSiphon(['--check', '-c', path.join(root, mainConfigPath)], { cwd: root, env });
  assert.equal(result.code, 0, `siphon --check failed:\n${result.stderr}\n${result.stdout}`);
  return result;
}

// The config files' own view: what siphon.yaml and http.yaml say must exist.
function pathsTheConfigNames(siphonYaml, httpYaml) {
  const main = YAML.parse(siphonYaml);
  const http = YAML.parse(httpYaml);
  const tlsFiles = (http.servers ?? []).flatMap((s) => (s.tls ? [s.tls.cert_path, s.tls.key_path, s.tls.client_ca].filter(Boolean) : []));
  return { script: main.script.path, http: main.extensions.http, tlsFiles, main, httpConfig: http };
}

describe('deploy/k8s manifests', () => {
  it('holds exactly the manifests SPEC §8 lists, one object each', () => {
    const files = fs.readdirSync(K8S).filter((f) => f.endsWith('.yaml')).sort();
    assert.deepEqual(files, [...MANIFEST_FILES].sort());
    assert.deepEqual(
      manifests.map((m) => `${m.file}: ${m.obj.apiVersion} ${m.obj.kind}`).sort(),
      [
        'configmap.yaml: v1 ConfigMap',
        'deployment.yaml: apps/v1 Deployment',
        'hpa.yaml: autoscaling/v2 HorizontalPodAutoscaler',
        'pdb.yaml: policy/v1 PodDisruptionBudget',
        'service.yaml: v1 Service',
      ],
    );
  });

  it('validate against the Kubernetes API schemas', async () => {
    for (const { file, obj } of manifests) {
      await assert.doesNotReject(validateWithSchema(obj), `${file} does not match the ${obj.apiVersion} ${obj.kind} schema`);
    }
    assert.deepEqual(typeCheck(manifests.map(({ file, obj }) => ({ label: file, obj }))), []);
  });

  it('the validators catch a wrong type and a misspelt field', async () => {
    const deployment = structuredClone(one('Deployment'));
    deployment.spec.replicas = '2';
    await assert.rejects(validateWithSchema(deployment), /replicas must be integer/);

    const typo = structuredClone(one('Deployment'));
    const container = typo.spec.template.spec.containers[0];
    container.readinesProbe = container.readinessProbe;
    delete container.readinessProbe;
    const diagnostics = typeCheck([{ label: 'typo', obj: typo }]);
    assert.equal(diagnostics.length, 1, diagnostics.join('\n'));
    assert.match(diagnostics[0], /readinesProbe\W* does not exist in type 'IContainer'/);
  });

  it('selectors match the pod labels; the HPA targets the Deployment', () => {
    const deployment = one('Deployment');
    const labels = deployment.spec.template.metadata.labels;
    const matches = (selector, what) => {
      assert.ok(selector && Object.keys(selector).length > 0, `${what} has an empty selector`);
      for (const [key, value] of Object.entries(selector)) assert.equal(labels[key], value, `${what} selects ${key}=${value}, pods have ${labels[key]}`);
    };
    matches(deployment.spec.selector.matchLabels, 'Deployment');
    matches(one('Service').spec.selector, 'Service');
    matches(one('PodDisruptionBudget').spec.selector.matchLabels, 'PodDisruptionBudget');

    const hpa = one('HorizontalPodAutoscaler');
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: deployment.apiVersion, kind: 'Deployment', name: deployment.metadata.name });
    assert.equal(hpa.spec.minReplicas, 2);
    assert.equal(hpa.spec.maxReplicas, 10);
    assert.equal(hpa.spec.metrics[0].resource.name, 'cpu');
    assert.equal(deployment.spec.replicas, 2);
    assert.equal(one('PodDisruptionBudget').spec.minAvailable, 1);
  });

  it('the Service and every probe use the named HTTPS container port the config listens on', () => {
    const deployment = one('Deployment');
    const [container] = deployment.spec.template.spec.containers;
    const ports = Object.fromEntries(container.ports.map((p) => [p.name, p.containerPort]));
    const [servicePort] = one('Service').spec.ports;
    assert.equal(one('Service').spec.type, 'ClusterIP');
    assert.equal(servicePort.port, 443);
    assert.equal(servicePort.targetPort, 'https', 'the Service targets the container port by name');
    assert.equal(ports.https, 8443);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      assert.equal(container[probe]?.tcpSocket?.port, 'https', `${probe} is a TCP probe on the port named https`);
    }
    assert.deepEqual(Object.values(ports).sort(), exposed, 'container ports = the Dockerfile EXPOSE list');

    const configMap = one('ConfigMap');
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
    const http = YAML.parse(configMap.data['http.yaml']);
    const listen = (text) => text.replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_, name, def) => env[name] ?? def);
    const https = http.servers.find((s) => s.tls);
    assert.equal(listen(https.listen), `0.0.0.0:${ports.https}`);
    assert.ok(http.servers.some((s) => listen(s.listen) === `0.0.0.0:${ports.metrics}`), 'a server listens on the metrics port');
    assert.equal(listen(http.metrics.listen), `0.0.0.0:${ports.metrics}`);
  });

  it('has resources, and a termination grace period above the drain grace', () => {
    const spec = one('Deployment').spec.template.spec;
    const { resources } = spec.containers[0];
    for (const kind of ['requests', 'limits']) {
      for (const resource of ['cpu', 'memory']) assert.ok(resources?.[kind]?.[resource], `resources.${kind}.${resource}`);
    }
    const siphon = YAML.parse(one('ConfigMap').data['siphon.yaml']);
    const graceMs = siphon.script.shutdown_grace_ms ?? 25000;
    assert.ok(spec.terminationGracePeriodSeconds * 1000 > graceMs, `terminationGracePeriodSeconds ${spec.terminationGracePeriodSeconds} s <= shutdown_grace_ms ${graceMs}`);
    assert.equal(spec.securityContext.runAsNonRoot, true);
  });

  it('mounts only ConfigMaps and Secrets that are defined here or created by the README, with the files the config names', () => {
    const podSpec = one('Deployment').spec.template.spec;
    const files = mountedFiles(podSpec, podSpec.containers[0]);
    assert.ok(files.has(mainConfigPath), `nothing mounted at ${mainConfigPath}, the path the image's ENTRYPOINT reads`);
    const main = files.get(mainConfigPath);
    const configMap = byKind('ConfigMap').find((cm) => cm.metadata.name === main.name);
    const siphonYaml = configMap.data[main.key];
    const httpSource = files.get(YAML.parse(siphonYaml).extensions.http);
    assert.ok(httpSource, 'extensions.http is not a mounted file');
    const named = pathsTheConfigNames(siphonYaml, configMap.data[httpSource.key]);
    assert.deepEqual(files.get(named.script), { kind: 'configMap', name: 'siphon-http-script', key: 'script.py' }, 'the script comes from ConfigMap siphon-http-script');
    assert.ok(named.tlsFiles.length >= 2, 'the HTTPS listener has a certificate and key');
    for (const file of named.tlsFiles) {
      const source = files.get(file);
      assert.ok(source, `${file} (http.yaml) is not a mounted file`);
      assert.equal(source.kind, 'secret');
      assert.equal(readme.secrets[source.name].type, 'kubernetes.io/tls');
    }
  });

  it('the README creates the script ConfigMap and the TLS Secret and applies every manifest', () => {
    assert.deepEqual(Object.keys(readme.configMaps), ['siphon-http-script']);
    assert.deepEqual(Object.keys(readme.configMaps['siphon-http-script']), ['script.py']);
    assert.ok(fs.existsSync(path.join(ROOT, readme.configMaps['siphon-http-script']['script.py'])), 'the README creates the script ConfigMap from a file in the repository');
    assert.deepEqual(Object.keys(readme.secrets), ['siphon-http-tls']);
    assert.deepEqual([...readme.applied].sort(), MANIFEST_FILES.map((f) => `deploy/k8s/${f}`).sort());
    for (const file of readme.applied) assert.ok(fs.existsSync(path.join(ROOT, file)), file);

    // docs/deployment.md gives the same commands (its script file is the reader's own).
    const docs = readmeObjects(path.join(ROOT, 'docs', 'deployment.md'));
    assert.deepEqual(Object.keys(docs.configMaps), ['siphon-http-script']);
    assert.deepEqual(Object.keys(docs.configMaps['siphon-http-script']), ['script.py']);
    assert.deepEqual(docs.secrets, { 'siphon-http-tls': readme.secrets['siphon-http-tls'] });
    assert.deepEqual(docs.applied, readme.applied);
  });

  it('the ConfigMap holds deploy/siphon.yaml and deploy/http.example.yaml', () => {
    const configMap = one('ConfigMap');
    assert.deepEqual(YAML.parse(configMap.data['siphon.yaml']), YAML.parse(fs.readFileSync(path.join(DEPLOY, 'siphon.yaml'), 'utf8')));
    assert.deepEqual(YAML.parse(configMap.data['http.yaml']), YAML.parse(fs.readFileSync(path.join(DEPLOY, 'http.example.yaml'), 'utf8')));
  });

  it('the mounted config passes siphon --check', async () => {
    const podSpec = one('Deployment').spec.template.spec;
    const [container] = podSpec.containers;
    const pki = tempDir('k8s-tls-');
    makeCertificate(pki, 'tls.crt', 'tls.key');
    const content = new Map();
    for (const [file, source] of mountedFiles(podSpec, container)) {
      if (source.kind === 'secret') content.set(file, fs.readFileSync(path.join(pki, source.key)));
      else {
        const defined = byKind('ConfigMap').find((cm) => cm.metadata.name === source.name);
        content.set(file, defined ? defined.data[source.key] : fs.readFileSync(path.join(ROOT, readme.configMaps[source.name][source.key])));
      }
    }
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
    const result = await checkMountedConfig(content, env);
    assert.match(result.stdout, /^config OK: /m);
    assert.match(result.stdout, /^servers: https:\/\/0\.0\.0\.0:8443, http:\/\/0\.0\.0\.0:9090$/m);
    assert.match(result.stdout, /route\(s\)/);
  });
});

describe('deploy/docker-compose.yml', () => {
  const composeFile = path.join(DEPLOY, 'docker-compose.yml');
  const [compose] = parseYamlDocs(composeFile);
  const service = compose.services['siphon-http'];

  it('builds the top-level Dockerfile and publishes its ports', () => {
    assert.ok(service, 'a service named siphon-http');
    assert.equal(path.resolve(DEPLOY, service.build.context), ROOT);
    assert.ok(fs.existsSync(path.join(ROOT, service.build.dockerfile)), `${service.build.dockerfile} in the build context`);
    assert.equal(service.build.dockerfile, 'Dockerfile');
    assert.deepEqual(service.ports, ['8443:8443', '127.0.0.1:9090:9090']);
    assert.deepEqual(service.ports.map((p) => Number(p.split(':').at(-1))).sort(), exposed);
    assert.equal(service.restart, 'unless-stopped');
    const grace = /^(\d+)s$/.exec(service.stop_grace_period);
    const siphon = YAML.parse(fs.readFileSync(path.join(DEPLOY, 'siphon.yaml'), 'utf8'));
    assert.ok(grace && Number(grace[1]) * 1000 > (siphon.script.shutdown_grace_ms ?? 25000), 'stop_grace_period above shutdown_grace_ms');
  });

  it('mounts files that exist, read-only, where the config expects them; the mounted config passes siphon --check', async () => {
    // ./tls is made by the command docs/deployment.md gives: run it.
    const [openssl] = fencedBlocks(path.join(ROOT, 'docs', 'deployment.md')).filter((b) => b.lang === 'sh' && b.code.includes('openssl req') && b.code.includes('tls/tls.key'));
    assert.ok(openssl, 'docs/deployment.md shows how to make ./tls');
    const work = tempDir('compose-');
    execFileSync('sh', ['-ec', openssl.code], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    assert.equal(fs.statSync(path.join(work, 'tls', 'tls.key')).mode & 0o044, 0o044, 'the documented key is readable by the image\'s non-root user');

    const content = new Map();
    for (const volume of service.volumes) {
      const [source, target, mode] = volume.split(':');
      assert.equal(mode, 'ro', `${volume} is read-only`);
      const local = source === './tls' ? path.join(work, 'tls') : path.resolve(DEPLOY, source);
      assert.ok(fs.existsSync(local), `${source} (${volume}) does not exist`);
      if (fs.statSync(local).isDirectory()) {
        for (const name of fs.readdirSync(local)) content.set(path.posix.join(target, name), fs.readFileSync(path.join(local, name)));
      } else content.set(target, fs.readFileSync(local));
    }
    assert.ok(content.has(mainConfigPath), `nothing mounted at ${mainConfigPath}`);
    const siphonYaml = content.get(mainConfigPath).toString();
    const httpPath = YAML.parse(siphonYaml).extensions.http;
    assert.ok(content.has(httpPath), `extensions.http ${httpPath} is not mounted`);
    const named = pathsTheConfigNames(siphonYaml, content.get(httpPath).toString());
    for (const file of [named.script, ...named.tlsFiles]) assert.ok(content.has(file), `${file} is not mounted`);

    const result = await checkMountedConfig(content);
    assert.match(result.stdout, /^servers: https:\/\/0\.0\.0\.0:8443, http:\/\/0\.0\.0\.0:9090$/m);
  });

  it('docs/deployment.md shows this file, and a docker run with the same mounts and ports', () => {
    const docs = path.join(ROOT, 'docs', 'deployment.md');
    const shown = fencedBlocks(docs).find((b) => b.lang === 'yaml' && b.code.startsWith('# deploy/docker-compose.yml'));
    assert.ok(shown, 'docs/deployment.md shows deploy/docker-compose.yml');
    assert.deepEqual(YAML.parse(shown.code), compose);

    const run = shellCommands(docs).find((c) => c.startsWith('docker run '));
    const words = run.split(/\s+/);
    const targets = words.flatMap((w, i) => (w === '-v' ? [words[i + 1].split(':')[1]] : []));
    assert.deepEqual(targets.sort(), service.volumes.map((v) => v.split(':')[1]).sort());
    const published = words.flatMap((w, i) => (w === '-p' ? [words[i + 1]] : []));
    assert.deepEqual(published, service.ports);
    const build = shellCommands(docs).find((c) => c.startsWith('docker build '));
    assert.equal(build, 'docker build -t siphon-http .', 'the documented build uses the top-level Dockerfile');
  });
});
