// What recording an allocation trace costs: allocate+free pairs through the generated BenchHeap directly, through
// IAllocator, and through a RecordingAllocator over it. It needs the generated heap, so it lives in AllocGenRows/.
// It has no Allocator parameter, so the docs renderer (which reads only rows with one) leaves it out of the tables.
using AllocGen.Tracing;
using BenchmarkDotNet.Attributes;

namespace AllocGen.Benchmarks.Workloads
{
    /// <summary>
    /// ns per allocate+free pair of 16..512 bytes: <see cref="Direct"/> (the baseline) calls the generated heap,
    /// <see cref="Interface"/> the same heap through <see cref="IAllocator"/>, <see cref="Recording"/> a
    /// <see cref="RecordingAllocator"/> over it whose trace goes to <see cref="Stream.Null"/> (every record is encoded,
    /// only the write is skipped), <see cref="RecordingToFile"/> one whose trace goes to a temporary file,
    /// <see cref="RecordingNoClock"/> one without timestamps (to <see cref="Stream.Null"/>): what the clock costs.
    /// </summary>
    public unsafe class RecordingOverheadBenchmarks
    {
        public const int OpsPerInvoke = 4096;

        private BenchHeap _heap = null!;
        private IAllocator _interface = null!;
        private RecordingAllocator _recording = null!;
        private RecordingAllocator _recordingToFile = null!;
        private RecordingAllocator _recordingNoClock = null!;
        private string _path = "";
        private nuint[] _sizes = [];

        [GlobalSetup]
        public void Setup()
        {
            _heap = new BenchHeap();
            _interface = _heap;
            _recording = new RecordingAllocator(_heap, Stream.Null);
            _recordingNoClock = new RecordingAllocator(_heap, Stream.Null, timestamps: false);
            _path = Path.GetTempFileName();
            _recordingToFile = new RecordingAllocator(_heap, _path);
            var random = new Random(Inputs.Seed);
            _sizes = [.. Enumerable.Range(0, OpsPerInvoke).Select(_ => (nuint)random.Next(16, 513))];
        }

        [Benchmark(Baseline = true, OperationsPerInvoke = OpsPerInvoke)]
        public void Direct()
        {
            BenchHeap heap = _heap;
            foreach (nuint size in _sizes)
            {
                heap.Free(heap.Allocate(size));
            }
        }

        [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
        public void Interface() => Pairs(_interface);

        [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
        public void Recording() => Pairs(_recording);

        [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
        public void RecordingToFile() => Pairs(_recordingToFile);

        [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
        public void RecordingNoClock() => Pairs(_recordingNoClock);

        [GlobalCleanup]
        public void Cleanup()
        {
            _recording.Dispose();
            _recordingToFile.Dispose();
            _recordingNoClock.Dispose();
            File.Delete(_path);
            _heap.Dispose();
        }

        private void Pairs(IAllocator allocator)
        {
            foreach (nuint size in _sizes)
            {
                allocator.Free(allocator.Allocate(size));
            }
        }
    }
}
