// `npm run build:flink`: builds the Flink insights jar (analytics/flink/runner) unless it is current.
// `--force` rebuilds anyway.
import { buildFlinkArtifact, FLINK_JAR } from "../analytics/flink/artifact";

buildFlinkArtifact({ force: process.argv.includes("--force"), onProgress: (l) => console.log(l) })
  .then(({ built }) => {
    if (!built) console.log(`Flink insights jar is current: ${FLINK_JAR}`);
  })
  .catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
  });
