// Exit statuses (docs/operations.md): 0 after a clean shutdown, 2 for a usage, config or
// script-load error, 1 for a failure at run time.
export const enum ExitCode {
  Ok = 0,
  Runtime = 1,
  Usage = 2,
}

export class SiphonExit extends Error {
  constructor(
    readonly code: ExitCode,
    message: string,
  ) {
    super(message);
  }
}
