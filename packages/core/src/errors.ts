/**
 * An error the user can act on: what went wrong and the next step. The CLI prints it as one
 * line, without a stack. Anything else reaching the top is a bug and is reported as one.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly nextStep?: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }

  override toString(): string {
    return this.nextStep ? `${this.message} ${this.nextStep}` : this.message;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof Error && e.name === 'UserError';
}
