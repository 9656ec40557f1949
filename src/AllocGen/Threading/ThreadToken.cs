using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AllocGen.Threading;

/// <summary>
/// A thread's proof of identity that costs no thread-static read: the range of its own stack. The address of any
/// local variable of the calling thread lies in its stack, and the stacks of live threads do not overlap, so a thread
/// whose local lies in a live token's range is that token's thread. When the thread exits, a thread-exit destructor
/// of the C library sets <see cref="StackSize"/> to zero before the stack can be given to a new thread, so a dead
/// thread's token matches no one (see <see cref="ThreadTokens"/>).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ThreadToken
{
    /// <summary>
    /// The token that matches no thread: heap states without an owner thread, and every thread where tokens are not
    /// supported. Here rather than in <see cref="ThreadTokens"/>, so that every heap state can name it without
    /// running that class's start-up (loading the thread library, creating a thread-specific key).
    /// </summary>
    public static readonly ThreadToken* Nobody = (ThreadToken*)NativeMemory.AllocZeroed((nuint)sizeof(ThreadToken));

    /// <summary>The lowest address of the range (the stack grows down to it).</summary>
    public nuint StackLow;

    /// <summary>The length of the range; zero from the thread's exit on (and always, for <see cref="Nobody"/>).</summary>
    public uint StackSize;

    /// <summary>How many heap states name this token as their owner (a dead token is reused only when none does).</summary>
    public int HeapStates;

    /// <summary>The next token ever made (tokens are kept for reuse, never freed).</summary>
    public ThreadToken* NextMade;

    /// <summary>
    /// Whether <paramref name="stackAddress"/>, the address of a local of the calling thread, proves it is this
    /// token's thread. The size is read first, with acquire semantics: a token reused for a new thread gets its
    /// <see cref="StackLow"/> before its size, so a reader never pairs the new size with a low bound of the old thread.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool Owns(nuint stackAddress)
    {
        uint size = Volatile.Read(ref Unsafe.AsRef(in StackSize));
        return stackAddress - StackLow < size;
    }

    /// <summary>Whether the token's thread is alive (a plain read: off the fast paths, a stale answer only costs speed).</summary>
    public readonly bool IsLive => StackSize != 0;

    /// <summary>An address in the calling thread's stack: the address of a local of the (inlined) caller's frame.</summary>
    /// <remarks>The local is never written: only its address is taken.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    [SkipLocalsInit]
    public static nuint CurrentStackAddress()
    {
        byte local;
        return (nuint)(&local);
    }
}
