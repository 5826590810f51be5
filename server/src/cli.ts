/**
 * The `strata` command line: `strata --stdio` (language server) and `strata index DIR` (headless).
 * Returns an exit status: 0 success, 1 failure, 2 bad usage.
 */
const USAGE = `usage:
  strata --stdio                                  start the language server on stdio
  strata index DIR [--json] [--save FILE] [--memory MB]
                                                  index a tree headlessly
  strata --help                                   this text
`;

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  process.stderr.write(`strata: unknown command '${argv[0]}'\n${USAGE}`);
  return 2;
}
