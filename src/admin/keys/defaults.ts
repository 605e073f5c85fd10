// Default paths shared by commands, in a module with no imports so --help stays cheap to load.
export const DEFAULT_KEY_DIR = '/etc/zonegate/keys';
