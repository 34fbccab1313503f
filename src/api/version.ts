/** The version of Ferry's API, in the OpenAPI document and `ferry --version`. */
export const API_VERSION = '0.1.0';
