// JSON.parse keeps the last of repeated keys silently; a header that names a tensor twice is ambiguous,
// so the text is scanned for repeats. Iterative, so deep nesting cannot overflow the stack.

interface Frame {
  /** Keys seen so far; null for arrays. */
  keys: Set<string> | null;
  /** Whether the next string in this object is a key. */
  expectKey: boolean;
  /** Where this container sits, for the message: "" for the root, else `"name"`. */
  path: string;
}

/**
 * The first key repeated within one object of `text` (which must already be valid JSON), with the
 * key of the object holding it ("" at the top level); null when every object's keys are distinct.
 */
export function findDuplicateKey(text: string): { key: string; parent: string } | null {
  const stack: Frame[] = [];
  let lastKey = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const isObject = c === 0x7b;
      const parent = stack.at(-1);
      const path = parent && parent.keys ? lastKey : (parent?.path ?? "");
      stack.push({ keys: isObject ? new Set() : null, expectKey: isObject, path: stack.length === 0 ? "" : path });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack.at(-1);
      if (top?.keys) top.expectKey = true;
    } else if (c === 0x22 /* " */) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c /* \ */ ? 2 : 1;
      const top = stack.at(-1);
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return { key, parent: top.path };
        top.keys.add(key);
        top.expectKey = false;
        lastKey = key;
      }
      i = j;
    }
  }
  return null;
}
