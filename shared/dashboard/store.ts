/**
 * Where sessions and cached reads live: Redis when `REDIS_URL` is set (every replica sees the
 * same), else this process's memory. Values are JSON; each expires.
 */
export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlS: number): Promise<void>;
  delete(key: string): Promise<void>;
}

export class MemoryStore implements KeyValueStore {
  private readonly entries = new Map<string, { value: string; expires: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  async get(key: string): Promise<string | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expires <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlS: number): Promise<void> {
    // A bounded map: the oldest entries go first when a busy dashboard fills it.
    if (this.entries.size >= 10_000) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expires: this.now() + ttlS * 1000 });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
}

/** The subset of ioredis the store uses. */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, mode: "EX", ttl: number): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

export class RedisStore implements KeyValueStore {
  constructor(
    private readonly redis: RedisLike,
    private readonly prefix = "shipline:dashboard:",
  ) {}
  get(key: string) {
    return this.redis.get(this.prefix + key);
  }
  async set(key: string, value: string, ttlS: number) {
    await this.redis.set(this.prefix + key, value, "EX", Math.max(1, Math.ceil(ttlS)));
  }
  async delete(key: string) {
    await this.redis.del(this.prefix + key);
  }
}
