// Package kb holds the knowledge base (policy section 3): articles in
// Markdown, each a translation in one language of an article group, with
// their category, the product and versions they apply to, their
// visibility, their state, their published revisions, a count of readers
// whose problem they solved, and their full-text search.
//
// Invariants:
//   - articles are the vendor's: org_id is the vendor's organization, and
//     only vendor administrators and agents write them.
//   - a group has at most one translation per language (en-US, pt-BR,
//     es-ES); a slug is unique and names one translation at /kb/<slug>.
//   - who reads what (Readable): anonymous readers see public articles;
//     customers' contacts public and customers'; partners' agents public,
//     customers' and partners'; vendor staff everything. Only vendor staff
//     see drafts, archived articles and internal ones: for anyone else they
//     do not exist (NotFound), in search and suggestions too.
//   - every publication, and every change to a published article, keeps a
//     revision naming who changed which fields; its audit event is written
//     in the same transaction.
//   - search folds case and diacritics and cuts plural and gender endings
//     in Go (Fold, Stem), the same on both engines, and matches each query
//     term as a prefix of a word: "senhas" and "senha" find each other,
//     "configuração" finds "configuracao".
package kb
