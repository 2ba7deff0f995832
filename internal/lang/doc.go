// Package lang holds the languages Accord serves and the texts that
// documents (the support policy, the services catalog) give in several of
// them: criticality names and definitions, plan names, phone-line labels,
// service names, assumptions and plan steps.
//
// Invariants:
//   - a [Text] written as a plain string is in [Default] (en-US), so that
//     documents written before translations read as they did;
//   - every text a document requires has its Default text; a reader whose
//     language a text lacks reads the Default one ([Text.In]), never an
//     empty string;
//   - a document's locales are among [Locales]; whether a document must
//     carry every one of them is the instance's [Mode].
package lang
