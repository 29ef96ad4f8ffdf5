// A small XML well-formedness check for the charts' SVG: balanced, properly nested tags, quoted
// attributes without duplicates, and no bare '&' or '<' in text. Returns the parsed element tree.

/** One parsed element. */
export interface XmlElement {
  tag: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.:-]*/;
const ENTITY = /^&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;

function checkText(s: string, where: number): void {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "<") throw new Error(`xml: bare '<' at ${where + i}`);
    if (s[i] === "&" && !ENTITY.test(s.slice(i))) throw new Error(`xml: bare '&' at ${where + i}`);
  }
}

/** Parses `xml` (one root element, optional surrounding whitespace) or throws naming the offset. */
export function parseXml(xml: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const chunk = lt < 0 ? xml.slice(i) : xml.slice(i, lt);
    checkText(chunk, i);
    if (stack.length) stack[stack.length - 1].text += chunk;
    else if (chunk.trim()) throw new Error(`xml: text outside the root element at ${i}`);
    if (lt < 0) break;
    i = lt + 1;
    if (xml[i] === "/") {
      const m = NAME.exec(xml.slice(i + 1));
      if (!m) throw new Error(`xml: bad closing tag at ${i}`);
      const top = stack.pop();
      if (!top || top.tag !== m[0]) throw new Error(`xml: </${m[0]}> at ${i} closes <${top?.tag ?? "nothing"}>`);
      i += 1 + m[0].length;
      while (xml[i] === " ") i++;
      if (xml[i] !== ">") throw new Error(`xml: expected '>' at ${i}`);
      i++;
      continue;
    }
    const m = NAME.exec(xml.slice(i));
    if (!m) throw new Error(`xml: bad tag name at ${i}`);
    const node: XmlElement = { tag: m[0], attrs: {}, children: [], text: "" };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(node);
    else if (root) throw new Error(`xml: second root element <${node.tag}>`);
    else root = node;
    i += m[0].length;
    for (;;) {
      const ws = /^\s*/.exec(xml.slice(i))![0].length;
      i += ws;
      if (xml.startsWith("/>", i)) { i += 2; break; }
      if (xml[i] === ">") { i++; stack.push(node); break; }
      if (ws === 0) throw new Error(`xml: expected whitespace before attribute at ${i}`);
      const a = NAME.exec(xml.slice(i));
      if (!a) throw new Error(`xml: bad attribute at ${i}`);
      i += a[0].length;
      if (xml[i] !== "=" || xml[i + 1] !== '"') throw new Error(`xml: attribute ${a[0]} at ${i} is not ="quoted"`);
      const end = xml.indexOf('"', i + 2);
      if (end < 0) throw new Error(`xml: unterminated attribute ${a[0]}`);
      const value = xml.slice(i + 2, end);
      checkText(value, i + 2);
      if (a[0] in node.attrs) throw new Error(`xml: duplicate attribute ${a[0]} on <${node.tag}>`);
      node.attrs[a[0]] = value;
      i = end + 1;
    }
  }
  if (stack.length) throw new Error(`xml: <${stack[stack.length - 1].tag}> is never closed`);
  if (!root) throw new Error("xml: no root element");
  return root;
}

/** Every element in the tree, depth first. */
export function allElements(root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(allElements)];
}
