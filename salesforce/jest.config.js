// Jest for the Lightning web components under force-app (`npm test` in this folder, or
// `npm run test:lwc` from the root). sfdx-lwc-jest finds the SFDX project from the working
// directory, so it runs from this folder.
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
    ...jestConfig,
    testMatch: ['<rootDir>/force-app/**/lwc/**/__tests__/**/*.test.js'],
};
