// Text preprocessing: cleaning, tokenizers (char, regex, byte-level BPE), vocabulary, n-grams,
// bag-of-words / TF-IDF (CSR), padding to token-id tensors.
export { cleanText, lowercase, stripHtml, stripEmailHeaders, normalizeWhitespace, type CleanOptions } from "./clean.js";
export {
  CharTokenizer, RegexTokenizer, whitespaceTokenizer, stringTokenizerFromJSON, ngrams, DEFAULT_TOKEN_PATTERN,
  type StringTokenizer, type TokenizerJSON,
} from "./tokenizers.js";
export { BpeTokenizer, preTokenize, type BpeTrainOptions, type BpeJSON } from "./bpe.js";
export { Vocabulary, type SpecialTokens, type VocabularyOptions, type VocabularyJSON } from "./vocabulary.js";
export { CsrMatrix } from "./sparse.js";
export { CountVectorizer, TfidfVectorizer, type CountVectorizerOptions, type TfidfOptions, type VectorizerJSON } from "./vectorize.js";
export { padSequences, type PadOptions, type PaddedSequences } from "./pad.js";
export { SequenceEncoder, type SequenceEncoderOptions, type SequenceEncoderJSON } from "./sequence.js";
