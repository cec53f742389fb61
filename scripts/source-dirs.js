// The folders TypeScript is compiled from, ground floor first (the layers of DESIGN.md). The build
// copies their resources to dist/, and `crm-hub start` rebuilds when one of them is newer than dist/.
module.exports = [
  'formats',
  'connectors',
  'mappings',
  'records',
  'policies',
  'app',
  'nodes',
  'console',
  'bench',
];
