using System.Runtime.InteropServices;

namespace AllocGen.Benchmarks.Peers;

/// <summary>
/// malloc/free/realloc of one native allocator, resolved from ITS library handle (never from the
/// process's global symbol scope, which would silently give glibc's malloc).
/// </summary>
public readonly unsafe struct PeerFunctions
{
    public readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nuint, void*> Malloc;
    public readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<void*, void> Free;
    public readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<void*, nuint, void*> Realloc;

    public PeerFunctions(nint malloc, nint free, nint realloc)
    {
        Malloc = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nuint, void*>)malloc;
        Free = (delegate* unmanaged[Cdecl, SuppressGCTransition]<void*, void>)free;
        Realloc = (delegate* unmanaged[Cdecl, SuppressGCTransition]<void*, nuint, void*>)realloc;
    }
}

/// <summary>How to find one native peer: the library's file names and its exported symbol names.</summary>
public sealed unsafe class NativePeer
{
    /// <summary>
    /// Debian's jemalloc uses initial-exec TLS; dlopen'ing it into a running process fails with
    /// "cannot allocate memory in static TLS block" unless the process started with this tunable.
    /// The benchmark job sets it for every child process (see <see cref="BenchConfig"/>).
    /// </summary>
    public const string TlsTunableName = "GLIBC_TUNABLES";
    public const string TlsTunableValue = "glibc.rtld.optional_static_tls=16384";

    private readonly object _gate = new();
    private bool _probed;
    private PeerFunctions _functions;
    private string? _failure;
    private bool _needsTunable;
    private nint _handle;

    public NativePeer(string name, string package, string[] libraryNames, string malloc, string free, string realloc)
    {
        Name = name;
        Package = package;
        LibraryNames = libraryNames;
        MallocSymbol = malloc;
        FreeSymbol = free;
        ReallocSymbol = realloc;
    }

    public string Name { get; }
    public string Package { get; }
    public string[] LibraryNames { get; }
    public string MallocSymbol { get; }
    public string FreeSymbol { get; }
    public string ReallocSymbol { get; }

    public static readonly NativePeer Libc = new(
        "glibc (function pointer)", "libc6", ["libc.so.6"], "malloc", "free", "realloc");

    public static readonly NativePeer Mimalloc = new(
        "mimalloc", "libmimalloc2.0", ["libmimalloc.so.2", "libmimalloc.so"], "mi_malloc", "mi_free", "mi_realloc");

    public static readonly NativePeer Jemalloc = new(
        "jemalloc", "libjemalloc2", ["libjemalloc.so.2", "libjemalloc.so"], "malloc", "free", "realloc");

    public static readonly NativePeer Tcmalloc = new(
        "tcmalloc", "libtcmalloc-minimal4", ["libtcmalloc_minimal.so.4", "libtcmalloc_minimal.so"], "tc_malloc", "tc_free", "tc_realloc");

    /// <summary>True when the library loaded and all three symbols resolved in this process.</summary>
    public bool IsLoaded
    {
        get { Probe(); return _failure is null; }
    }

    /// <summary>
    /// True when the library exists but this process cannot load it only because it was started
    /// without <see cref="TlsTunableName"/>; a benchmark child process (which gets the variable
    /// from the job) will load it.
    /// </summary>
    public bool LoadableWithTunable
    {
        get { Probe(); return _failure is not null && _needsTunable; }
    }

    /// <summary>Why the peer is unavailable, or null when it loaded.</summary>
    public string? Failure
    {
        get { Probe(); return _failure; }
    }

    /// <summary>The resolved functions; throws with the reason when the peer is unavailable.</summary>
    public PeerFunctions Functions
    {
        get
        {
            Probe();
            if (_failure is not null)
                throw new InvalidOperationException($"{Name} is unavailable: {_failure}");
            return _functions;
        }
    }

    private void Probe()
    {
        if (Volatile.Read(ref _probed))
            return;
        lock (_gate)
        {
            if (_probed)
                return;
            try
            {
                Load();
            }
            catch (Exception ex)
            {
                _failure = ex.Message;
            }
            Volatile.Write(ref _probed, true);
        }
    }

    private void Load()
    {
        var errors = new List<string>();
        foreach (var lib in LibraryNames)
        {
            nint handle;
            try
            {
                handle = NativeLibrary.Load(lib);
            }
            catch (DllNotFoundException ex)
            {
                var message = ex.Message;
                if (message.Contains("static TLS", StringComparison.OrdinalIgnoreCase))
                {
                    _needsTunable = string.IsNullOrEmpty(Environment.GetEnvironmentVariable(TlsTunableName));
                    _failure = _needsTunable
                        ? $"{lib} needs the process to start with {TlsTunableName}={TlsTunableValue} (static TLS)"
                        : $"{lib} failed to load even with {TlsTunableName} set: {FirstLine(message)}";
                    return;
                }
                // .NET's generic "Unable to load shared library" text adds nothing to "not found".
                if (!message.Contains("Unable to load shared library", StringComparison.Ordinal))
                    errors.Add(FirstLine(message));
                continue;
            }

            if (NativeLibrary.TryGetExport(handle, MallocSymbol, out var malloc)
                && NativeLibrary.TryGetExport(handle, FreeSymbol, out var free)
                && NativeLibrary.TryGetExport(handle, ReallocSymbol, out var realloc))
            {
                _functions = new PeerFunctions(malloc, free, realloc);
                _handle = handle;
                _failure = null;
                return;
            }
            errors.Add($"{lib} loaded but does not export {MallocSymbol}/{FreeSymbol}/{ReallocSymbol}");
        }
        _failure = $"{string.Join(" or ", LibraryNames)} not found (install Debian package {Package}, "
            + "e.g. with tests/AllocGen.Benchmarks/install-peers.sh)"
            + (errors.Count > 0 ? $" [{errors[0]}]" : "");
    }

    /// <summary>
    /// Asks the library to give its free memory back to the OS with its own call (glibc <c>malloc_trim(0)</c>,
    /// mimalloc <c>mi_collect(true)</c>, jemalloc <c>mallctl("arena.4096.purge")</c>, tcmalloc
    /// <c>MallocExtension_ReleaseFreeMemory()</c>). False when the peer is not loaded or lacks the call.
    /// </summary>
    public bool TryTrim()
    {
        if (!IsLoaded)
            return false;
        if (ReferenceEquals(this, Libc) && NativeLibrary.TryGetExport(_handle, "malloc_trim", out var mallocTrim))
        {
            ((delegate* unmanaged<nuint, int>)mallocTrim)(0);
            return true;
        }
        if (ReferenceEquals(this, Mimalloc) && NativeLibrary.TryGetExport(_handle, "mi_collect", out var collect))
        {
            ((delegate* unmanaged<byte, void>)collect)(1);
            return true;
        }
        if (ReferenceEquals(this, Tcmalloc) && NativeLibrary.TryGetExport(_handle, "MallocExtension_ReleaseFreeMemory", out var release))
        {
            ((delegate* unmanaged<void>)release)();
            return true;
        }
        if (ReferenceEquals(this, Jemalloc) && NativeLibrary.TryGetExport(_handle, "mallctl", out var mallctl))
        {
            // MALLCTL_ARENAS_ALL is 4096: purge every arena.
            var name = Marshal.StringToHGlobalAnsi("arena.4096.purge");
            try
            {
                return ((delegate* unmanaged<nint, void*, nuint*, void*, nuint, int>)mallctl)(name, null, null, null, 0) == 0;
            }
            finally
            {
                Marshal.FreeHGlobal(name);
            }
        }
        return false;
    }

    private static string FirstLine(string s)
    {
        var i = s.IndexOf('\n');
        return (i < 0 ? s : s[..i]).Trim();
    }
}
