// field.Path: where in an object a validation error points, rendered the way
// upstream renders it ("spec.containers[0].ports[1].name", "metadata.labels[app]").

interface Segment {
  /** A field name, or '' when this segment is a subscript. */
  readonly name: string;
  /** The subscript (list index or map key) when name is ''. */
  readonly index: string;
}

export class FieldPath {
  private constructor(private readonly segments: readonly Segment[]) {}

  /** field.NewPath(name, moreNames...). */
  static of(name: string, ...moreNames: string[]): FieldPath {
    return new FieldPath([name, ...moreNames].map((n) => ({ name: n, index: '' })));
  }

  child(name: string, ...moreNames: string[]): FieldPath {
    return new FieldPath([...this.segments, ...[name, ...moreNames].map((n) => ({ name: n, index: '' }))]);
  }

  index(i: number): FieldPath {
    return new FieldPath([...this.segments, { name: '', index: String(i) }]);
  }

  key(k: string): FieldPath {
    return new FieldPath([...this.segments, { name: '', index: k }]);
  }

  toString(): string {
    let out = '';
    this.segments.forEach((segment, i) => {
      if (segment.name.length > 0) out += i > 0 ? `.${segment.name}` : segment.name;
      else out += `[${segment.index}]`;
    });
    return out;
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
