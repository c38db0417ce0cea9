// `npm run build:interop`: builds the Java KCL interop app (test/interop/kcl-app) for KCL 2.7.2 and 3.5.1
// unless current. The interop tests and `npm run bench kcl` build it too; this says how long it takes.
import { buildKclApps } from "../test/interop/kcl-app";

buildKclApps(undefined, (l) => console.log(l))
  .then((ms) =>
    console.log(
      ms > 0 ? `KCL interop apps built in ${(ms / 1000).toFixed(1)} s` : "KCL interop apps are current",
    ),
  )
  .catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
  });
