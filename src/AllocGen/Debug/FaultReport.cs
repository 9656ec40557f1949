using System.Globalization;
using System.Text;

namespace AllocGen;

/// <summary>
/// The messages of <see cref="AllocatorFaultException"/>, in the spirit of CPython's <c>_PyObject_DebugDumpAddress</c>:
/// a headline, then what is known of the block. Memory is read only for blocks the debug hooks still hold.
/// </summary>
internal static unsafe class FaultReport
{
    private const int DataBytesShown = 16;

    public static string Headline(AllocatorFault fault) => fault switch
    {
        AllocatorFault.WriteAfterEnd => "write past the end of a block (a tail guard byte was overwritten)",
        AllocatorFault.WriteBeforeStart => "write before the start of a block (its header or a front guard byte was overwritten)",
        AllocatorFault.DoubleFree => "the block was already freed",
        AllocatorFault.WrongDomain => "the block belongs to another domain",
        _ => "the pointer is not a block of any domain",
    };

    /// <summary>The dump of a block the hooks recorded (live or freed).</summary>
    public static AllocatorFaultException ForBlock(AllocatorFault fault, byte* user, string call, AllocDomain through, in DebugBlockRecord record, bool memoryHeld, string consequence)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(inv, $"AllocGen debug hooks: {Headline(fault)}, found by {call} through the {through} domain.").AppendLine();
        text.Append(inv, $"Debug memory block at address p=0x{(nuint)user:X}:").AppendLine();
        text.Append(inv, $"    allocated through the {record.Domain} domain by call #{record.Serial} to the debug hooks; now {StateText(record.State)}").AppendLine();
        text.Append(inv, $"    {record.Size} bytes originally requested").AppendLine();
        if (memoryHeld)
        {
            (ulong size, long serial, byte domain) = DebugBlockLayout.ReadHeader(user);
            bool headerIntact = size == record.Size && serial == record.Serial && domain == (byte)record.Domain;
            text.Append(inv, $"    The header at p-{DebugBlockLayout.MinHeaderSize} reads size {size}, serial {serial}, domain id {domain}")
                .Append(headerIntact ? ", as expected." : $"; expected size {record.Size}, serial {record.Serial}, domain id {(byte)record.Domain}. *** OUCH")
                .AppendLine();
            AppendGuards(text, $"The {DebugBlockLayout.FrontGuardSize} pad bytes at p-{DebugBlockLayout.FrontGuardSize}", DebugBlockLayout.FrontGuards(user));
            AppendGuards(text, $"The {DebugBlockLayout.TailGuardSize} pad bytes at tail=p+{record.Size}", DebugBlockLayout.TailGuards(user, record.Size));
            var data = new ReadOnlySpan<byte>(user, (int)Math.Min(record.Size, DataBytesShown));
            text.Append("    Data at p:").Append(Hex(data)).Append(record.Size > DataBytesShown ? " ..." : string.Empty).AppendLine();
        }
        else
        {
            text.AppendLine("    Its memory was returned to the allocator under the hooks, so it was not read.");
        }

        text.Append(consequence);
        return new AllocatorFaultException(fault, (nuint)user, text.ToString())
        {
            Domain = through,
            AllocatedBy = record.Domain,
            Serial = record.Serial,
            RequestedSize = record.Size,
        };
    }

    /// <summary>A pointer nothing recorded: its memory is never read (it may be unmapped).</summary>
    public static AllocatorFaultException Foreign(void* pointer, string call, AllocDomain? through, string where)
    {
        string domain = through is { } d ? $" through the {d} domain" : string.Empty;
        string message =
            $"AllocGen debug hooks: {Headline(AllocatorFault.ForeignPointer)}, found by {call}{domain}.{Environment.NewLine}" +
            $"Pointer p=0x{(nuint)pointer:X} is not a live block {where} (a stack or static address, another heap's " +
            $"block, memory from NativeMemory, or an interior pointer). Its memory was not read; nothing was changed.";
        return new AllocatorFaultException(AllocatorFault.ForeignPointer, (nuint)pointer, message) { Domain = through };
    }

    private static string StateText(DebugBlockState state) => state switch
    {
        DebugBlockState.Live => "live",
        DebugBlockState.Quarantined => "freed (held in the hooks' quarantine, filled with 0xDD)",
        _ => "freed (returned to the allocator under the hooks)",
    };

    private static void AppendGuards(StringBuilder text, string what, ReadOnlySpan<byte> found)
    {
        int bad = found.IndexOfAnyExcept(DebugBlockLayout.GuardByte);
        text.Append("    ").Append(what);
        if (bad < 0)
        {
            text.Append(" are FORBIDDENBYTE (0xFD), as expected.").AppendLine();
            return;
        }

        text.Append(" are not all FORBIDDENBYTE (0xFD): found").Append(Hex(found))
            .Append(CultureInfo.InvariantCulture, $" (first bad byte at +{bad}) *** OUCH").AppendLine();
    }

    private static string Hex(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length * 3);
        foreach (byte b in bytes)
        {
            text.Append(' ').Append(b.ToString("x2", CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}
