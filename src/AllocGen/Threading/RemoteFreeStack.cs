using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AllocGen.Threading;

/// <summary>
/// Blocks freed by other threads, waiting for their owner: an intrusive lock-free stack (the link lives in the
/// block's first bytes, which a freed block no longer needs). Any thread pushes with one compare-and-swap; only the
/// owner takes, and it takes everything at once with one exchange, so the ABA problem of lock-free pops cannot
/// arise. The head sits alone on its cache line (128 bytes: adjacent-line prefetch pairs lines), so pushes by
/// other threads do not evict the lines the owner's fast paths write.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal unsafe struct RemoteFreeStack
{
    [FieldOffset(64)]
    private nint _head;

    /// <summary>Whether anything is waiting (a plain read: a push that races with it is seen next time).</summary>
    public readonly bool IsEmpty
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref Unsafe.AsRef(in _head)) == 0;
    }

    /// <summary>Pushes a block (any thread). Its first pointer-sized bytes are overwritten with the link.</summary>
    public void Push(void* block)
    {
        nint head = Volatile.Read(ref _head);
        while (true)
        {
            *(nint*)block = head;
            nint seen = Interlocked.CompareExchange(ref _head, (nint)block, head);
            if (seen == head)
            {
                return;
            }

            head = seen;
        }
    }

    /// <summary>Pushes a chain already linked through the blocks' first bytes, from <paramref name="first"/> to <paramref name="last"/>.</summary>
    public void PushChain(void* first, void* last)
    {
        nint head = Volatile.Read(ref _head);
        while (true)
        {
            *(nint*)last = head;
            nint seen = Interlocked.CompareExchange(ref _head, (nint)first, head);
            if (seen == head)
            {
                return;
            }

            head = seen;
        }
    }

    /// <summary>
    /// Takes every waiting block: the first of a chain linked through the blocks, or null. One exchange, so it is safe
    /// from any thread; the owner takes to free them, a reader of statistics to count them and push them back.
    /// </summary>
    public void* TakeAll() => IsEmpty ? null : (void*)Interlocked.Exchange(ref _head, 0);

    /// <summary>The block after <paramref name="block"/> in a chain returned by <see cref="TakeAll"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void* Next(void* block) => *(void**)block;
}
