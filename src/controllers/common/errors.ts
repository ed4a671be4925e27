// Reading API failures the way controllers branch on them.

/** v1.NamespaceTerminatingCause: creates fail with it while a namespace is being deleted. */
export const NAMESPACE_TERMINATING_CAUSE = 'NamespaceTerminating';

/** apierrors.HasStatusCause: the failure's Status lists a cause of this type. */
export function hasStatusCause(err: unknown, causeType: string): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const status = (err as { status?: { details?: { causes?: ReadonlyArray<{ reason?: string }> } } }).status;
  return status?.details?.causes?.some((c) => c.reason === causeType) ?? false;
}

/** The text upstream prints for an error with %v. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
