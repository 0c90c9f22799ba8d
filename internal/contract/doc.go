// Package contract holds metalake's table contracts: for every bronze table, the raw header
// variants it accepts (recognised by header names, never by position), the typed columns and
// their formats, the canonical renames, the SQL "shape" model that joins lookups or explodes
// arrays, the validation rules with their reject reasons in evaluation order, the report
// metrics and the circuit-breaker threshold.
//
// Contracts are data: YAML files embedded from defaults/ (overridable from a directory),
// decoded strictly so that an unknown key is an error naming its line. The bronze layer is one
// job driven by these contracts, not one job per table.
package contract
