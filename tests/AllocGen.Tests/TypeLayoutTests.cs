using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Xunit;

namespace AllocGen.Tests;

/// <summary>
/// <see cref="TypeLayout.AlignmentOf{T}"/> against the runtime's own answer: the offset at which it places a
/// <c>T</c> after a byte. Structs with an explicit Size that is not a multiple of their alignment are the case a size
/// difference alone gets wrong.
/// </summary>
public sealed class TypeLayoutTests
{
    [Fact]
    public void AlignmentIsTheOffsetTheRuntimeGivesTheTypeAfterAByte()
    {
        AssertAlignment<byte>(1);
        AssertAlignment<short>(2);
        AssertAlignment<int>(4);
        AssertAlignment<long>(8);
        AssertAlignment<Int128>(16);
        AssertAlignment<Vector128<byte>>(16);
        AssertAlignment<Vector256<byte>>(32);
        AssertAlignment<Vector512<byte>>(64);
        AssertAlignment<ThirteenBytesOfLong>(8);
        AssertAlignment<HundredBytesOfVector256>(32);
        AssertAlignment<ThousandBytesOfVector512>(64);
        AssertAlignment<ThreeBytes>(1);
    }

    private static void AssertAlignment<T>(int expected)
        where T : unmanaged
    {
        Probe<T> probe = default;
        nint offset = Unsafe.ByteOffset(ref probe.Before, ref Unsafe.As<T, byte>(ref probe.Value));
        Assert.Equal(expected, (int)offset);
        Assert.Equal((nuint)offset, TypeLayout.AlignmentOf<T>());
    }

    private struct Probe<T>
        where T : unmanaged
    {
        public byte Before;
        public T Value;
    }

    [StructLayout(LayoutKind.Sequential, Size = 13)]
    private struct ThirteenBytesOfLong
    {
        public long Value;
    }

    [StructLayout(LayoutKind.Sequential, Size = 100)]
    private struct HundredBytesOfVector256
    {
        public Vector256<byte> Value;
    }

    [StructLayout(LayoutKind.Sequential, Size = 1000)]
    private struct ThousandBytesOfVector512
    {
        public Vector512<byte> Value;
    }

    private struct ThreeBytes
    {
        public byte A, B, C;
    }
}
