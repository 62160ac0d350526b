export type InspectorErrorKind = 'page_missing' | 'stately_missing' | 'not_loopback';

/** The inspector could not start or connect; `detail` names the file, package or host at fault. */
export class InspectorError extends Error {
  override readonly name = 'InspectorError';
  readonly kind: InspectorErrorKind;
  readonly detail: string;

  constructor(kind: InspectorErrorKind, detail: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.detail = detail;
  }
}
