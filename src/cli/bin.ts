// Entry point of the `meshward` command (bin/meshward.js loads this file from dist/).
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`meshward: internal error: ${err?.stack ?? err}\n`);
    process.exitCode = 2;
  },
);
