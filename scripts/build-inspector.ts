/*
 * Bundles inspector/ into one self-contained page (script and style inline, no network), written to
 * dist/inspector/index.html where startInspector finds it. Run by `npm run build` and by the tests'
 * globalSetup, so no test depends on a manual build.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const INSPECTOR_PAGE = join(ROOT, 'dist', 'inspector', 'index.html');
export const COCKPIT_PAGE = join(ROOT, 'dist', 'inspector', 'cockpit.html');

/** Builds both pages: the inspector, and next to it the cockpit (same chart component, same rules). */
export async function buildInspectorPage(
  outFile: string = INSPECTOR_PAGE,
): Promise<{ file: string; bytes: number }> {
  const built = await buildPage('src/main.ts', 'index.html', ['style.css'], outFile);
  await buildPage(
    'src/cockpit/main.ts',
    'cockpit.html',
    ['style.css', 'cockpit.css'],
    join(dirname(outFile), 'cockpit.html'),
  );
  return built;
}

async function buildPage(
  entry: string,
  templateName: string,
  styles: readonly string[],
  outFile: string,
): Promise<{ file: string; bytes: number }> {
  const result = await build({
    entryPoints: [join(ROOT, 'inspector', entry)],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]?.text;
  if (js === undefined) throw new Error(`esbuild produced no output for inspector/${entry}`);
  const [template, ...sheets] = await Promise.all([
    readFile(join(ROOT, 'inspector', templateName), 'utf8'),
    ...styles.map((name) => readFile(join(ROOT, 'inspector', name), 'utf8')),
  ]);
  const css = sheets.join('\n');
  // Inline text must not close its own element early; a function replacement keeps `$` literal.
  const html = template
    .replace('/*STYLE*/', () => css.replaceAll('</style', '<\\/style'))
    .replace('/*SCRIPT*/', () => js.trimEnd().replaceAll('</script', '<\\/script'));
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, html);
  return { file: outFile, bytes: Buffer.byteLength(html) };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { file, bytes } = await buildInspectorPage();
  console.log(`inspector page: ${file} (${(bytes / 1024).toFixed(1)} KiB)`);
}
