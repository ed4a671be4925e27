// Accept headers with Kubernetes' media type parameters: `application/json;as=Table;v=v1;g=meta.k8s.io`.

/**
 * The first version among `versions` that an Accept header asks for as `as=<as>` in
 * group `g=<group>`, in the client's order of preference.
 */
export function acceptedVersion<V extends string>(accept: string | undefined, as: string, group: string, versions: readonly V[]): V | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    const params = new Map(
      part
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    );
    if (params.get('as') !== as || params.get('g') !== group) continue;
    const version = params.get('v') as V | undefined;
    if (version !== undefined && versions.includes(version)) return version;
  }
  return undefined;
}
