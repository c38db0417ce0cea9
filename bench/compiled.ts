// The product as the image runs it: a benchmark module compiled by tsc with the repository's compiler
// options (what `npm run build` puts in dist/), loaded beside the tsx-run source in the same process.
// Why both: tsx turns every module's exports into getters, so under it each cross-module call on the hot
// path pays a getter (most of the difference, see docs/performance.md); the Dockerfile runs tsc's output,
// `npm start` and the tests run tsx. A benchmark shows the two in the same rounds and heads with the image's.
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const REPO = path.join(__dirname, "..");
/** Compiled modules go here (gitignored), mirroring the repository's folders. */
export const COMPILED_DIR = path.join(REPO, ".bench-build");

/** Compiles `entry` (a path from the repository's root) and everything it imports; returns its exports. */
export function loadCompiled<T>(entry: string): T {
  const started = Date.now();
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(REPO, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (config === undefined) throw new Error("tsconfig.json could not be read");
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: false,
    outDir: COMPILED_DIR,
    rootDir: REPO,
    declaration: false,
    sourceMap: false,
  };
  const program = ts.createProgram([path.join(REPO, entry)], options);
  const result = program.emit();
  const errors = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].filter(
    (d) => d.category === ts.DiagnosticCategory.Error,
  );
  if (errors.length > 0)
    throw new Error(
      `compiling ${entry} failed:\n${ts.formatDiagnostics(errors, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => REPO,
        getNewLine: () => "\n",
      })}`,
    );
  // Files the compiled modules read beside themselves (reference SQL): the repository's own.
  const sql = path.join(COMPILED_DIR, "sql");
  if (!fs.existsSync(sql)) fs.symlinkSync(path.join(REPO, "sql"), sql, "dir");
  console.log(`compiled ${entry} with tsc in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // tsc's output is plain CommonJS, its exports data properties: loaded as any built package would be.
  const file = path.join(COMPILED_DIR, entry.replace(/\.ts$/, ".js"));
  return require(file) as T;
}
