// Package products holds the vendor's product catalog (products and their
// versions, with release dates, end of support and release notes) and
// each customer's installations of them: the "inventory on demand" that
// says who runs what, the basis of release notices and of the customers a
// known issue affects.
//
// Invariants:
//   - Products and versions carry the vendor's organization; an
//     installation carries the customer organization that runs it.
//   - A version number is unique per product and ordered by
//     CompareVersions, a total order; a Range of versions is inclusive at
//     both ends.
package products
