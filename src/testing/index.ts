export { VirtualFileSystem, type VirtualFileSystemOptions } from './virtual-file-system.js';
