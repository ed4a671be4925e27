// The node's image service: OCI distribution pulls into a content-addressed store of
// overlay-ready layers, imports of image tarballs, and image garbage collection.
export { ImageStore, chainIds, parseImageConfig, type ImageStoreOptions, type ImageGcPolicy, type ImageGcResult, type Descriptor } from './store.js';
export { importImage, importImageFile, ImageImportError, type ImportOptions } from './import.js';
export { parseReference, formatReference, repositoryName, isLoopbackRegistry, type ImageReference } from './reference.js';
export { RegistryClient, RegistryError, MEDIA_TYPES, parseChallenge } from './registry-client.js';
export { hostPlatform, platformMatches, type Platform } from './platform.js';
export { unpackLayer } from './unpack.js';
