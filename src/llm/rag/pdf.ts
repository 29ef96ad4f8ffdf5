// PDF documents through their text layer, extracted by unpdf (Mozilla's pdf.js built for servers).
// Each page is its own source, `file.pdf#page=N`, so an answer's citation names the page and the lines
// within it. Scanned PDFs have no text layer and give empty pages: the caller says so.

/** The text lines of each page of a PDF file's bytes; a damaged or encrypted file is an error naming it. */
export async function pdfPages(file: string, bytes: Uint8Array): Promise<string[][]> {
  // loaded on first use: pdf.js is a few MB that text-only programs never need
  const { extractText, getDocumentProxy } = await import("unpdf");
  let text: string[];
  try {
    // verbosity 0: pdf.js reports what it recovers from on the console otherwise; damage that matters throws
    const doc = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
    ({ text } = await extractText(doc, { mergePages: false }));
  } catch (e) {
    const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new Error(`${file}: not a readable PDF (${why})`);
  }
  return text.map((page) => page.replace(/\r\n?/g, "\n").split("\n").map((l) => l.replace(/\s+/g, " ").trim()));
}
