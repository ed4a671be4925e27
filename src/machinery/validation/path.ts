// field.Path: where in an object a validation error points, rendered the way
// upstream renders it ("spec.containers[0].ports[1].name", "metadata.labels[app]").

/**
 * One segment of a path, linked to the path before it: validators build a child
 * path for every field they visit and rarely print one, so a child costs one small
 * object rather than a copy of its parent's segments.
 */
export class FieldPath {
  private constructor(
    private readonly parent: FieldPath | undefined,
    /** A field name, or '' when this segment is a subscript. */
    private readonly name: string,
    /** The subscript (list index or map key) when name is ''. */
    private readonly subscript: string,
  ) {}

  /** field.NewPath(name, moreNames...). */
  static of(name: string, ...moreNames: string[]): FieldPath {
    let path = new FieldPath(undefined, name, '');
    for (const n of moreNames) path = new FieldPath(path, n, '');
    return path;
  }

  child(name: string, ...moreNames: string[]): FieldPath {
    let path = new FieldPath(this, name, '');
    for (const n of moreNames) path = new FieldPath(path, n, '');
    return path;
  }

  index(i: number): FieldPath {
    return new FieldPath(this, '', String(i));
  }

  key(k: string): FieldPath {
    return new FieldPath(this, '', k);
  }

  toString(): string {
    const own = this.name.length > 0 ? (this.parent ? `.${this.name}` : this.name) : `[${this.subscript}]`;
    return this.parent ? `${this.parent.toString()}${own}` : own;
  }
}

export function newPath(name: string, ...moreNames: string[]): FieldPath {
  return FieldPath.of(name, ...moreNames);
}

/**
 * Upstream passes a nil *Path where no path was given (label selector parsing
 * does this); it prints as "<nil>", and a child of it starts a fresh path.
 */
export type OptionalPath = FieldPath | undefined;

export function pathString(path: OptionalPath): string {
  return path === undefined ? '<nil>' : path.toString();
}

export function childOf(path: OptionalPath, name: string, ...moreNames: string[]): FieldPath {
  return path === undefined ? FieldPath.of(name, ...moreNames) : path.child(name, ...moreNames);
}
