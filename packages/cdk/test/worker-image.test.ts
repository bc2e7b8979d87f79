import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { imageHandlerPath, WorkerFleet, workerImage } from '@stepfleet/cdk';
import { App, Stack } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('GIVEN handler paths of job specs WHEN mapped into the image THEN TypeScript sources become their compiled dist/ modules', () => {
  assert.equal(
    imageHandlerPath('examples/monte-carlo/src/handler.ts'),
    'examples/monte-carlo/dist/handler.js',
  );
  assert.equal(
    imageHandlerPath('./examples/weather/src/jobs/handler.ts'),
    'examples/weather/dist/jobs/handler.js',
  );
  assert.equal(
    imageHandlerPath('examples/monte-carlo/dist/handler.js'),
    'examples/monte-carlo/dist/handler.js',
  );
  assert.equal(imageHandlerPath('/opt/handlers/custom.js'), '/opt/handlers/custom.js');
});

for (const [title, options, expected] of [
  ['defaults', {}, { platform: 'linux/amd64', buildArgs: undefined }],
  [
    'a handler and arm64',
    { handler: 'examples/weather/dist/handler.js', platform: Platform.LINUX_ARM64 },
    { platform: 'linux/arm64', buildArgs: { HANDLER: 'examples/weather/dist/handler.js' } },
  ],
] as const) {
  test(`GIVEN workerImage with ${title} WHEN synthesized THEN the asset builds docker/Dockerfile from the repository with them`, (t) => {
    const outdir = mkdtempSync(join(tmpdir(), 'stepfleet-image-asset-'));
    t.after(() => rmSync(outdir, { recursive: true, force: true }));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Test');
    new WorkerFleet(stack, 'Fleet', { image: workerImage({ directory: REPOSITORY_ROOT, ...options }) });
    const assembly = app.synth();
    const assets = JSON.parse(readFileSync(join(assembly.directory, 'Test.assets.json'), 'utf8'));
    const [image] = Object.values(assets.dockerImages) as {
      source: {
        directory: string;
        dockerFile: string;
        platform: string;
        dockerBuildArgs?: Record<string, string>;
      };
    }[];
    assert.equal(image?.source.dockerFile, 'docker/Dockerfile');
    assert.equal(image?.source.platform, expected.platform);
    assert.deepEqual(image?.source.dockerBuildArgs, expected.buildArgs);
  });
}
