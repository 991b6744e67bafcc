/** A request's output options are unusable; the message can be shown to the client as it is. */
export class OutputOptionsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'OutputOptionsError'
  }
}
