using System.Runtime.InteropServices;
using AllocGen.Pools;

namespace AllocGen.Threading;

/// <summary>
/// Makes and hands out <see cref="ThreadToken"/>s: one per thread that owns a thread heap, made on its first
/// registration, reused after the thread has exited and no heap state names it any more.
/// </summary>
/// <remarks>
/// <para>
/// The token is only sound if it stops matching before the exited thread's stack can serve another thread. It does
/// on Linux: the thread sets a POSIX thread-specific value, pointed at <see cref="ThreadToken.StackSize"/>, whose
/// destructor is a C library function that stores a 4-byte zero through its argument (<see cref="ZeroingFunctions"/>,
/// checked on a scratch word at start-up). The C library runs such destructors on the exiting thread, on its stack,
/// so before that stack is unmapped or cached for a new thread (.NET has no thread-exit callback of its own, and
/// managed code must not run that late). The range is
/// the one <c>pthread_getattr_np</c> reports. For the process's main thread that is the most the stack may grow to,
/// of which only the mapped part and the kernel's guard gap below it are sure to be nobody else's, so its range starts
/// at most <see cref="MainThreadDepth"/> below the stack address of its registration.
/// </para>
/// <para>
/// Elsewhere (Windows, macOS), or when a step fails, every thread gets <see cref="ThreadToken.Nobody"/>, which matches no one:
/// the PerThread heap then finds the calling thread's heap through its thread-static cache alone.
/// </para>
/// </remarks>
internal static unsafe class ThreadTokens
{
    /// <summary>How far below its registration the main thread's range reaches (the kernel's default guard gap is 1 MiB).</summary>
    internal const nuint MainThreadDepth = 256 * 1024;

    private const int AttributesBufferSize = 256;

    /// <summary>
    /// Functions of shape <c>int f(T*)</c> whose only effect is to store a 4-byte zero through the argument: an
    /// attribute object's initialisers (the default, "process-private", is 0 in glibc and musl). Not
    /// <c>pthread_spin_unlock</c>: x86-64 glibc stores 1 there.
    /// </summary>
    private static readonly string[] ZeroingFunctions = ["pthread_barrierattr_init", "pthread_mutexattr_init"];

    private static readonly object s_lock = new();
    private static ThreadToken* s_made;
    private static uint s_key;

    [ThreadStatic]
    private static nint t_token;

    private static readonly delegate* unmanaged<uint, void*, int> s_setSpecific;
    private static readonly delegate* unmanaged<nint> s_self;
    private static readonly delegate* unmanaged<nint, void*, int> s_getAttributes;
    private static readonly delegate* unmanaged<void*, nuint*, nuint*, int> s_getStack;
    private static readonly delegate* unmanaged<void*, int> s_destroyAttributes;
    private static readonly delegate* unmanaged<int> s_getPid;
    private static readonly delegate* unmanaged<int> s_getTid;

    /// <summary>Whether threads get tokens of their own here (a constant for the JIT once initialised).</summary>
    public static readonly bool Supported;

    static ThreadTokens()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("ALLOCGEN_NO_THREAD_TOKENS") == "1")
        {
            return;
        }

        // Since glibc 2.34 the pthread functions are in libc itself; before, in libpthread.
        nint[] libraries = [Load("libc.so.6"), Load("libpthread.so.0"), Load("libc.so")];
        nint[] required =
        [
            Find(libraries, "pthread_key_create"), Find(libraries, "pthread_setspecific"), Find(libraries, "pthread_self"),
            Find(libraries, "pthread_getattr_np"), Find(libraries, "pthread_attr_getstack"),
            Find(libraries, "pthread_attr_destroy"), Find(libraries, "getpid"),
        ];
        nint zeroing = FindZeroingFunction(libraries);
        if (Array.IndexOf(required, 0) >= 0 || zeroing == 0)
        {
            return;
        }

        // The exiting thread's destructor call clears its StackSize (its result is ignored).
        var keyCreate = (delegate* unmanaged<uint*, void*, int>)required[0];
        uint key;
        if (keyCreate(&key, (void*)zeroing) != 0)
        {
            return;
        }

        s_key = key;
        s_setSpecific = (delegate* unmanaged<uint, void*, int>)required[1];
        s_self = (delegate* unmanaged<nint>)required[2];
        s_getAttributes = (delegate* unmanaged<nint, void*, int>)required[3];
        s_getStack = (delegate* unmanaged<void*, nuint*, nuint*, int>)required[4];
        s_destroyAttributes = (delegate* unmanaged<void*, int>)required[5];
        s_getPid = (delegate* unmanaged<int>)required[6];
        s_getTid = (delegate* unmanaged<int>)Find(libraries, "gettid");
        Supported = true;

        static nint Load(string name) => NativeLibrary.TryLoad(name, out nint library) ? library : 0;
    }

    /// <summary>Tokens made so far (live, and dead ones kept for reuse).</summary>
    internal static int MadeCount
    {
        get
        {
            lock (s_lock)
            {
                int count = 0;
                for (ThreadToken* token = s_made; token != null; token = token->NextMade)
                {
                    count++;
                }

                return count;
            }
        }
    }

    /// <summary>The calling thread's token, made (or a dead one reused) on its first call; <see cref="ThreadToken.Nobody"/> where unsupported.</summary>
    public static ThreadToken* Current => t_token != 0 ? (ThreadToken*)t_token : MakeForCurrentThread();

    /// <summary>Makes <paramref name="owner"/> the token of heap state <paramref name="state"/> (under its registry's lock).</summary>
    public static void Assign(HeapState* state, ThreadToken* owner)
    {
        ThreadToken* old = state->Token;
        if (old == owner)
        {
            return;
        }

        if (owner != ThreadToken.Nobody)
        {
            Interlocked.Increment(ref owner->HeapStates);
        }

        Volatile.Write(ref *(nint*)&state->Token, (nint)owner);
        if (old != ThreadToken.Nobody)
        {
            Interlocked.Decrement(ref old->HeapStates);
        }
    }

    private static ThreadToken* MakeForCurrentThread()
    {
        ThreadToken* token = Supported ? TryMake() : null;
        token = token != null ? token : ThreadToken.Nobody;
        t_token = (nint)token;
        return token;
    }

    private static ThreadToken* TryMake()
    {
        nuint here = ThreadToken.CurrentStackAddress();
        if (!TryGetStack(here, out nuint low, out nuint size))
        {
            return null;
        }

        lock (s_lock)
        {
            ThreadToken* token = s_made;
            while (token != null && (token->IsLive || Volatile.Read(ref token->HeapStates) != 0))
            {
                token = token->NextMade;
            }

            if (token == null)
            {
                token = (ThreadToken*)NativeMemory.AllocZeroed((nuint)sizeof(ThreadToken));
                token->NextMade = s_made;
                s_made = token;
            }

            // The low bound first, the size (which makes the token match) last: see ThreadToken.Owns.
            token->StackLow = low;
            Volatile.Write(ref token->StackSize, (uint)size);
            if (s_setSpecific(s_key, &token->StackSize) != 0)
            {
                Volatile.Write(ref token->StackSize, 0u);
                return null;
            }

            return token;
        }
    }

    /// <summary>The calling thread's stack range, clipped for the main thread; false when unknown or too large to record.</summary>
    private static bool TryGetStack(nuint here, out nuint low, out nuint size)
    {
        low = size = 0;
        byte* attributes = stackalloc byte[AttributesBufferSize];
        if (s_getAttributes(s_self(), attributes) != 0)
        {
            return false;
        }

        nuint address = 0, length = 0;
        int failed = s_getStack(attributes, &address, &length);
        s_destroyAttributes(attributes);
        nuint high = address + length;
        if (failed != 0 || length == 0 || here < address || here >= high)
        {
            return false;
        }

        bool mayBeMain = s_getTid == null || s_getTid() == s_getPid();
        if (mayBeMain && here - address > MainThreadDepth)
        {
            address = here - MainThreadDepth;
        }

        if (high - address > uint.MaxValue)
        {
            return false;
        }

        low = address;
        size = high - address;
        return true;
    }

    /// <summary>The first of <see cref="ZeroingFunctions"/> seen to store exactly four zero bytes into a scratch buffer, or 0.</summary>
    private static nint FindZeroingFunction(nint[] libraries)
    {
        const int Scratch = 16;
        byte* buffer = stackalloc byte[Scratch];
        foreach (string name in ZeroingFunctions)
        {
            nint function = Find(libraries, name);
            if (function == 0)
            {
                continue;
            }

            new Span<byte>(buffer, Scratch).Fill(0xA5);
            int result = ((delegate* unmanaged<void*, int>)function)(buffer);
            bool zeroedWord = *(uint*)buffer == 0;
            bool restUntouched = !new ReadOnlySpan<byte>(buffer + sizeof(uint), Scratch - sizeof(uint)).ContainsAnyExcept((byte)0xA5);
            if (result == 0 && zeroedWord && restUntouched)
            {
                return function;
            }
        }

        return 0;
    }

    private static nint Find(nint[] libraries, string name)
    {
        foreach (nint library in libraries)
        {
            if (library != 0 && NativeLibrary.TryGetExport(library, name, out nint address))
            {
                return address;
            }
        }

        return 0;
    }
}
