/** A document that cannot be read as its type says (corrupt, encrypted, not what its name claims): reported with its source, the rest goes in. */
export class DocumentParseError extends Error {}
