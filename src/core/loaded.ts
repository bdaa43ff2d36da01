/**
 * Which top-level parts a process has evaluated. Roles report it when they register, so a test can
 * prove that a worker child never loaded controller or CLI code (roles are imported lazily).
 */
const parts = new Set<string>();

export function markLoaded(part: string): void {
  parts.add(part);
}

export function loadedParts(): string[] {
  return [...parts].sort();
}
