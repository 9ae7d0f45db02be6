// require('diagnostics_channel'): Node's named channels, in-process (lib/diagnostics_channel.js of
// Node 20, its algorithms as they are): channel(name), subscribe/unsubscribe/hasSubscribers by name,
// Channel (inactive until subscribed or bound to a store, as Node swaps prototypes), publish to the
// subscribers in order, runStores with AsyncLocalStorage (async_hooks.js), and tracingChannel's
// traceSync/tracePromise/traceCallback. Packages publish on them as they load and run (pino 10,
// undici 7 through cheerio): with no subscriber a publish does nothing. A subscriber that throws is
// reported as an uncaught exception after the publish (Node: process.nextTick, then the process's
// uncaughtException), the other subscribers still get the message. Put into a function whose
// sources name 'diagnostics_channel' (edge/js/build.py's ON_DEMAND).
defineBuiltin('diagnostics_channel', function (exports, require, module, internal) {
  const validateFunction = (value, name) => {
    if (typeof value !== 'function') throw internal.argType(name, 'of type function', value);
  };
  // an exception a subscriber threw, raised where nothing can catch it (a timer's callback throwing is
  // the invocation's uncaught exception, as Node's triggerUncaughtException is the process's)
  const uncaught = (err) => { require('timers').setImmediate(() => { throw err; }); };

  function markActive(channel) {
    Object.setPrototypeOf(channel, ActiveChannel.prototype);
    channel._subscribers = [];
    channel._stores = new Map();
  }
  function maybeMarkInactive(channel) {
    if (!channel._subscribers.length && !channel._stores.size) {
      Object.setPrototypeOf(channel, Channel.prototype);
      channel._subscribers = undefined;
      channel._stores = undefined;
    }
  }
  const defaultTransform = (data) => data;
  function wrapStoreRun(store, data, next, transform = defaultTransform) {
    return () => {
      let context;
      try {
        context = transform(data);
      } catch (err) {
        uncaught(err);
        return next();
      }
      return store.run(context, next);
    };
  }

  class ActiveChannel {
    subscribe(subscription) {
      validateFunction(subscription, 'subscription');
      this._subscribers = this._subscribers.slice();
      this._subscribers.push(subscription);
    }
    unsubscribe(subscription) {
      const index = this._subscribers.indexOf(subscription);
      if (index === -1) return false;
      this._subscribers = [...this._subscribers.slice(0, index), ...this._subscribers.slice(index + 1)];
      maybeMarkInactive(this);
      return true;
    }
    bindStore(store, transform) {
      this._stores.set(store, transform);
    }
    unbindStore(store) {
      if (!this._stores.has(store)) return false;
      this._stores.delete(store);
      maybeMarkInactive(this);
      return true;
    }
    get hasSubscribers() { return true; }
    publish(data) {
      const subscribers = this._subscribers;
      for (let i = 0; i < (subscribers?.length || 0); i++) {
        try {
          const onMessage = subscribers[i];
          onMessage(data, this.name);
        } catch (err) {
          uncaught(err);
        }
      }
    }
    runStores(data, fn, thisArg, ...args) {
      let run = () => {
        this.publish(data);
        return Reflect.apply(fn, thisArg, args);
      };
      for (const [store, transform] of this._stores.entries()) run = wrapStoreRun(store, data, run, transform);
      return run();
    }
  }

  // name -> channel. Node keeps channels by weak reference (an unused one may be collected and made
  // anew); here they stay, which no code can tell apart but by memory.
  const channels = new Map();

  class Channel {
    constructor(name) {
      this._subscribers = undefined;
      this._stores = undefined;
      this.name = name;
      channels.set(name, this);
    }
    static [Symbol.hasInstance](instance) {
      const prototype = instance === null || typeof instance !== 'object' ? null : Object.getPrototypeOf(instance);
      return prototype === Channel.prototype || prototype === ActiveChannel.prototype;
    }
    subscribe(subscription) {
      markActive(this);
      this.subscribe(subscription);
    }
    unsubscribe() { return false; }
    bindStore(store, transform) {
      markActive(this);
      this.bindStore(store, transform);
    }
    unbindStore() { return false; }
    get hasSubscribers() { return false; }
    publish() {}
    runStores(data, fn, thisArg, ...args) { return Reflect.apply(fn, thisArg, args); }
  }

  function channel(name) {
    const found = channels.get(name);
    if (found) return found;
    if (typeof name !== 'string' && typeof name !== 'symbol') {
      throw internal.argType('channel', 'one of type string or symbol', name);
    }
    return new Channel(name);
  }
  const subscribe = (name, subscription) => channel(name).subscribe(subscription);
  const unsubscribe = (name, subscription) => channel(name).unsubscribe(subscription);
  function hasSubscribers(name) {
    const found = channels.get(name);
    return found ? found.hasSubscribers : false;
  }

  const traceEvents = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'];
  function tracingChannelFrom(nameOrChannels, name) {
    if (typeof nameOrChannels === 'string') return channel(`tracing:${nameOrChannels}:${name}`);
    if (typeof nameOrChannels === 'object' && nameOrChannels !== null) {
      const found = nameOrChannels[name];
      if (!(found instanceof Channel)) throw internal.argType(`nameOrChannels.${name}`, 'an instance of Channel', found);
      return found;
    }
    throw internal.argType('nameOrChannels', 'of type string or an instance of TracingChannel or Object', nameOrChannels);
  }

  class TracingChannel {
    constructor(nameOrChannels) {
      for (const eventName of traceEvents) {
        Object.defineProperty(this, eventName, { value: tracingChannelFrom(nameOrChannels, eventName) });
      }
    }
    get hasSubscribers() {
      return this.start.hasSubscribers || this.end.hasSubscribers || this.asyncStart.hasSubscribers ||
        this.asyncEnd.hasSubscribers || this.error.hasSubscribers;
    }
    subscribe(handlers) {
      for (const name of traceEvents) {
        if (!handlers[name]) continue;
        this[name]?.subscribe(handlers[name]);
      }
    }
    unsubscribe(handlers) {
      let done = true;
      for (const name of traceEvents) {
        if (!handlers[name]) continue;
        if (!this[name]?.unsubscribe(handlers[name])) done = false;
      }
      return done;
    }
    traceSync(fn, context = {}, thisArg, ...args) {
      if (!this.hasSubscribers) return Reflect.apply(fn, thisArg, args);
      const { start, end, error } = this;
      return start.runStores(context, () => {
        try {
          const result = Reflect.apply(fn, thisArg, args);
          context.result = result;
          return result;
        } catch (err) {
          context.error = err;
          error.publish(context);
          throw err;
        } finally {
          end.publish(context);
        }
      });
    }
    tracePromise(fn, context = {}, thisArg, ...args) {
      if (!this.hasSubscribers) return Reflect.apply(fn, thisArg, args);
      const { start, end, asyncStart, asyncEnd, error } = this;
      function reject(err) {
        context.error = err;
        error.publish(context);
        asyncStart.publish(context);
        asyncEnd.publish(context);
        return Promise.reject(err);
      }
      function resolve(result) {
        context.result = result;
        asyncStart.publish(context);
        asyncEnd.publish(context);
        return result;
      }
      return start.runStores(context, () => {
        try {
          let promise = Reflect.apply(fn, thisArg, args);
          if (!(promise instanceof Promise)) promise = Promise.resolve(promise);
          return promise.then(resolve, reject);
        } catch (err) {
          context.error = err;
          error.publish(context);
          throw err;
        } finally {
          end.publish(context);
        }
      });
    }
    traceCallback(fn, position = -1, context = {}, thisArg, ...args) {
      if (!this.hasSubscribers) return Reflect.apply(fn, thisArg, args);
      const { start, end, asyncStart, asyncEnd, error } = this;
      function wrappedCallback(err, res) {
        if (err) {
          context.error = err;
          error.publish(context);
        } else {
          context.result = res;
        }
        asyncStart.runStores(context, () => {
          try {
            return Reflect.apply(callback, this, arguments);
          } finally {
            asyncEnd.publish(context);
          }
        });
      }
      const callback = args.at(position);
      validateFunction(callback, 'callback');
      args.splice(position, 1, wrappedCallback);
      return start.runStores(context, () => {
        try {
          return Reflect.apply(fn, thisArg, args);
        } catch (err) {
          context.error = err;
          error.publish(context);
          throw err;
        } finally {
          end.publish(context);
        }
      });
    }
  }
  const tracingChannel = (nameOrChannels) => new TracingChannel(nameOrChannels);

  module.exports = { channel, hasSubscribers, subscribe, tracingChannel, unsubscribe, Channel };
});
