'use strict';

// Glue artifacts: ship the Glue job scripts and the shoplake package they import with
// `sls deploy` itself, under content-addressed keys.
//
// Package (`sls package`, and the package phase of `sls deploy`):
//   before:aws:package:finalize:saveServiceState — the resources/*.yml fragments are merged
//   into the compiled template by then, and the template is written to disk right after.
//     * glue/<name>.py          → .serverless/glue/<sha12>/<name>.py    key glue/<sha12>/<name>.py
//     * the runtime's Python files (custom.glueArtifacts.packagePaths: files or folders)
//                               → .serverless/glue/shoplake-<sha12>.zip key glue/shoplake-<sha12>.zip
//     * every AWS::Glue::Job's Command.ScriptLocation (matched by file name) and its
//       DefaultArguments["--extra-py-files"] are rewritten to those keys;
//     * .serverless/glue/manifest.json lists what to upload (read again by
//       `sls deploy --package <dir>`, which skips the package phase).
//   A content change changes the key, hence the template, hence the job definition.
//
// Deploy (`sls deploy`), around aws:deploy:deploy:updateStack:
//   before:aws:deploy:deploy:updateStack — if the stack already has the artifacts bucket,
//     upload first, so the updated jobs never point at a key that is not there yet;
//   after:aws:deploy:deploy:updateStack  — on the first deploy the bucket only exists now:
//     upload right after (no job run can start before the stack update finishes).
// Uploads use the provider's request('S3', 'putObject', …) with SSE-S3, like the buckets.

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const MANIFEST = 'manifest.json';

const sha12 = (...buffers) => {
  const h = crypto.createHash('sha256');
  for (const b of buffers) h.update(b);
  return h.digest('hex').slice(0, 12);
};

// Python files under dir (relative to base), sorted, no __pycache__.
function pythonFiles(base, dir) {
  const out = [];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(base, rel), { withFileTypes: true })) {
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory() && entry.name !== '__pycache__') walk(child);
      else if (entry.isFile() && entry.name.endsWith('.py')) out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

// A minimal deterministic zip (deflate, fixed 1980-01-01 timestamps, sorted entries): the
// same sources give the same bytes, and no zip dependency is needed. Python's zipimport reads it.
function zipFiles(entries /* [{ name, data }] */) {
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBuf = Buffer.from(name, 'utf8');
    const deflated = zlib.deflateRawSync(data, { level: 9 });
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // flags: UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28); // extra length
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(deflated.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    // extra, comment, disk, internal attributes: 0
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: -rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, deflated);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + deflated.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDir, end]);
}

class GlueArtifacts {
  constructor(serverless, options, { log } = {}) {
    this.serverless = serverless;
    this.log = log || { notice: (m) => serverless.cli.log(m) };
    this.provider = serverless.getProvider('aws');
    this.uploaded = false;
    this.hooks = {
      'before:aws:package:finalize:saveServiceState': () => this.packageArtifacts(),
      'before:aws:deploy:deploy:updateStack': () => this.upload({ required: false }),
      'after:aws:deploy:deploy:updateStack': () => this.upload({ required: true }),
    };
  }

  get config() {
    const c = (this.serverless.service.custom || {}).glueArtifacts || {};
    return {
      bucketLogicalId: c.bucketLogicalId || 'GlueArtifactsBucket',
      scriptsDir: c.scriptsDir || 'glue',
      packageName: c.packageName || 'shoplake',
      packagePaths: c.packagePaths || [c.packageName || 'shoplake'],
      keyPrefix: c.keyPrefix || 'glue',
    };
  }

  // Artifacts are written next to the compiled template; osls moves `.serverless/` to
  // `--package <dir>` after saveServiceState and back before a `deploy --package <dir>`.
  get outDir() {
    return path.join(this.serverless.serviceDir, '.serverless', 'glue');
  }

  fail(message) {
    throw new this.serverless.classes.Error(`glue-artifacts: ${message}`);
  }

  packageArtifacts() {
    const { bucketLogicalId, scriptsDir, packageName, packagePaths, keyPrefix } = this.config;
    const root = this.serverless.serviceDir;
    const files = []; // { file (relative to outDir), key, contentType }
    fs.mkdirSync(this.outDir, { recursive: true });

    // Job scripts: glue/<name>.py → glue/<sha12>/<name>.py
    const scripts = {};
    const scriptsPath = path.join(root, scriptsDir);
    const scriptNames = fs.existsSync(scriptsPath)
      ? fs.readdirSync(scriptsPath).filter((n) => n.endsWith('.py')).sort()
      : [];
    for (const name of scriptNames) {
      const data = fs.readFileSync(path.join(scriptsPath, name));
      const hash = sha12(data);
      const file = path.posix.join(hash, name);
      fs.mkdirSync(path.join(this.outDir, hash), { recursive: true });
      fs.writeFileSync(path.join(this.outDir, file), data);
      scripts[name] = `${keyPrefix}/${file}`;
      files.push({ file, key: scripts[name], contentType: 'text/x-python' });
    }

    // The package: the Python files of packagePaths → glue/shoplake-<sha12>.zip (hash of names
    // + contents, so it does not depend on the zlib build).
    const names = [];
    for (const p of packagePaths) {
      const stat = fs.statSync(path.join(root, p), { throwIfNoEntry: false });
      if (!stat) this.fail(`packagePaths: ${p} does not exist`);
      if (stat.isDirectory()) names.push(...pythonFiles(root, p));
      else names.push(path.posix.normalize(p));
    }
    const entries = [...new Set(names)].sort().map((name) => ({
      name,
      data: fs.readFileSync(path.join(root, name)),
    }));
    if (!entries.length) this.fail(`no Python files under ${packagePaths.join(', ')}`);
    const zipHash = sha12(...entries.flatMap((e) => [e.name, '\0', e.data, '\0']));
    const zipFile = `${packageName}-${zipHash}.zip`;
    fs.writeFileSync(path.join(this.outDir, zipFile), zipFiles(entries));
    const zipKey = `${keyPrefix}/${zipFile}`;
    files.push({ file: zipFile, key: zipKey, contentType: 'application/zip' });

    // Point every Glue job at the content-addressed keys.
    const s3Uri = (key) => ({ 'Fn::Sub': `s3://\${${bucketLogicalId}}/${key}` });
    const resources = this.provider.serverless.service.provider.compiledCloudFormationTemplate
      .Resources;
    const jobs = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Glue::Job');
    for (const [logicalId, job] of jobs) {
      const props = job.Properties;
      const location = props.Command.ScriptLocation;
      const uri = typeof location === 'string' ? location : location && location['Fn::Sub'];
      const name = typeof uri === 'string' ? path.posix.basename(uri) : null;
      if (!name || !scripts[name]) {
        this.fail(
          `${logicalId}: ScriptLocation ${JSON.stringify(location)} names no script in ${scriptsDir}/ ` +
            `(found: ${scriptNames.join(', ') || 'none'})`
        );
      }
      props.Command = { ...props.Command, ScriptLocation: s3Uri(scripts[name]) };
      props.DefaultArguments = { ...props.DefaultArguments, '--extra-py-files': s3Uri(zipKey) };
    }

    fs.writeFileSync(
      path.join(this.outDir, MANIFEST),
      `${JSON.stringify({ bucketLogicalId, files }, null, 2)}\n`
    );
  }

  // The artifacts bucket's name, once the stack has it; null before.
  async bucketName(logicalId) {
    try {
      const { StackResourceDetail: r } = await this.provider.request(
        'CloudFormation',
        'describeStackResource',
        { StackName: this.provider.naming.getStackName(), LogicalResourceId: logicalId }
      );
      const ok = r && r.PhysicalResourceId && !/^(CREATE_FAILED|DELETE_)/.test(r.ResourceStatus);
      return ok ? r.PhysicalResourceId : null;
    } catch (error) {
      // "Stack … does not exist" / "Resource … does not exist for stack …"
      if (/does not exist/.test(error.message)) return null;
      throw error;
    }
  }

  async upload({ required }) {
    if (this.uploaded) return;
    const manifestPath = path.join(this.outDir, MANIFEST);
    if (!fs.existsSync(manifestPath)) {
      this.fail(`${manifestPath} is missing: package the service with this plugin first`);
    }
    const { bucketLogicalId, files } = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    const bucket = await this.bucketName(bucketLogicalId);
    if (!bucket) {
      if (required) this.fail(`the stack has no ${bucketLogicalId}: Glue artifacts not uploaded`);
      return; // first deploy: the after-updateStack hook uploads
    }
    for (const { file, key, contentType } of files) {
      await this.provider.request('S3', 'putObject', {
        Bucket: bucket,
        Key: key,
        Body: fs.readFileSync(path.join(this.outDir, file)),
        ContentType: contentType,
        ServerSideEncryption: 'AES256',
      });
      this.log.notice(`glue-artifacts: uploaded s3://${bucket}/${key}`);
    }
    this.uploaded = true;
  }
}

module.exports = GlueArtifacts;
