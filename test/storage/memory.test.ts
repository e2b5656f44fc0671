import { MemoryStorage } from '../../src/storage/memory.js';
import { storageContract } from './contract.js';

storageContract('memory', () => new MemoryStorage());
