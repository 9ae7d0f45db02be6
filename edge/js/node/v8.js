// require('v8'): what a package reads from it as it loads, or to size itself, works; what needs V8
// itself does not. koa 3 requires 'node:v8' at its top level to ask startupSnapshot.isBuildingSnapshot()
// (0, as Node 20 answers: a function's snapshot is taken by the edge, not by --build-snapshot); heap
// statistics come from the instance's memory (process.memoryUsage()), its limit from the function's memory cap;
// setFlagsFromString checks its argument and changes nothing (the engine has no V8 flags), coverage
// calls do nothing, a GCProfiler records no collections. serialize/deserialize and their classes (V8's wire format), heap snapshots and
// queryObjects and promiseHooks throw ERR_FEATURE_UNAVAILABLE_ON_PLATFORM saying what to use. Put into a function
// whose sources name 'v8' (edge/js/build.py's ON_DEMAND).
defineBuiltin('v8', function (exports, require, module, internal) {
  const MiB = 1024 * 1024;
  const DEFAULT_MEMORY_MIB = 128;
  const limit = () => (internal.initializing ? DEFAULT_MEMORY_MIB
    : Number(internal.lambdaEnv().AWS_LAMBDA_FUNCTION_MEMORY_SIZE) || DEFAULT_MEMORY_MIB) * MiB;
  const NO_V8 = 'the engine is not V8 (QuickJS compiled to WebAssembly)';
  const refuse = (name, what, why = NO_V8) => ({ [name]: function () { throw internal.unavailable(what, why); } })[name];
  const notBuilding = (name) => ({ [name]: function () {
    throw internal.codeError(Error, 'ERR_NOT_BUILDING_SNAPSHOT', 'Operation cannot be invoked when not building startup snapshot');
  } })[name];
  const SERIALIZE = `${NO_V8}; to copy a value use structuredClone(value), to store one JSON.stringify`;

  function getHeapStatistics() {
    const { rss, heapTotal, heapUsed, external } = process.memoryUsage();
    const heapLimit = limit();
    return {
      total_heap_size: heapTotal,
      total_heap_size_executable: 0,
      total_physical_size: rss,
      total_available_size: Math.max(0, heapLimit - heapUsed),
      used_heap_size: heapUsed,
      heap_size_limit: heapLimit,
      malloced_memory: 0,
      peak_malloced_memory: 0,
      does_zap_garbage: 0,
      number_of_native_contexts: 1,
      number_of_detached_contexts: 0,
      total_global_handles_size: 0,
      used_global_handles_size: 0,
      external_memory: external,
    };
  }

  module.exports = {
    cachedDataVersionTag() { return 0; },
    getHeapSnapshot: refuse('getHeapSnapshot', 'v8.getHeapSnapshot()'),
    getHeapStatistics,
    getHeapSpaceStatistics() { return []; },
    getHeapCodeStatistics() {
      return { code_and_metadata_size: 0, bytecode_and_metadata_size: 0, external_script_source_size: 0,
        cpu_profiler_metadata_size: 0 };
    },
    setFlagsFromString(flags) {
      if (typeof flags !== 'string') throw internal.argType('flags', 'of type string', flags);
    },
    Serializer: refuse('Serializer', 'v8.Serializer', SERIALIZE),
    Deserializer: refuse('Deserializer', 'v8.Deserializer', SERIALIZE),
    DefaultSerializer: refuse('DefaultSerializer', 'v8.DefaultSerializer', SERIALIZE),
    DefaultDeserializer: refuse('DefaultDeserializer', 'v8.DefaultDeserializer', SERIALIZE),
    deserialize: refuse('deserialize', 'v8.deserialize()', SERIALIZE),
    takeCoverage() {},
    stopCoverage() {},
    serialize: refuse('serialize', 'v8.serialize()', SERIALIZE),
    writeHeapSnapshot: refuse('writeHeapSnapshot', 'v8.writeHeapSnapshot()'),
    queryObjects: refuse('queryObjects', 'v8.queryObjects()'),
    startupSnapshot: {
      addDeserializeCallback: notBuilding('addDeserializeCallback'),
      addSerializeCallback: notBuilding('addSerializeCallback'),
      setDeserializeMainFunction: notBuilding('setDeserializeMainFunction'),
      isBuildingSnapshot() { return 0; }, // (Node 20 answers a number)
    },
    promiseHooks: {
      onInit: refuse('onInit', 'v8.promiseHooks', 'the engine has no promise hooks'),
      onSettled: refuse('onSettled', 'v8.promiseHooks', 'the engine has no promise hooks'),
      onBefore: refuse('onBefore', 'v8.promiseHooks', 'the engine has no promise hooks'),
      onAfter: refuse('onAfter', 'v8.promiseHooks', 'the engine has no promise hooks'),
      createHook: refuse('createHook', 'v8.promiseHooks', 'the engine has no promise hooks'),
    },
    GCProfiler: class GCProfiler {
      start() { this.startTime = Date.now(); }
      stop() { return { version: 1, startTime: this.startTime ?? Date.now(), endTime: Date.now(), statistics: [] }; }
    },
    setHeapSnapshotNearHeapLimit(limit) {
      if (typeof limit !== 'number') throw internal.argType('limit', 'of type number', limit);
    },
  };
});
