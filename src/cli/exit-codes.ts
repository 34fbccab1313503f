/** Named exit codes, so scripts can tell a bad row from a bad configuration. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** An import finished, but some rows were refused (each is reported with its line). */
  rowsRefused: 3,
  /** Nothing to act on: no Ferry data where the command looked (FERRY_DATA_DIR). */
  noData: 66,
  /** A Salesforce org (or the running Ferry the command asked) did not answer. */
  unreachable: 68,
  /** A port Ferry must listen on is taken by another program. */
  portInUse: 69,
  /** The data folder is in use by a running Ferry (embedded database). */
  dataDirBusy: 75,
  /** The environment is invalid (every bad variable is listed). */
  config: 78,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode = ExitCode.failure, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}
