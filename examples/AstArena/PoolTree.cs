using AllocGen.Tracing;

namespace AllocGen.Examples.Ast;

/// <summary>
/// A pool heap for the recording run (<c>--record</c>): the same unmanaged nodes as in the arena, but each one a
/// block of its own, allocated and freed through <see cref="IAllocator"/>, so that a <see cref="RecordingAllocator"/>
/// in between sees every node.
/// </summary>
[PoolAllocator]
public sealed partial class AstPool
{
}

/// <summary>Builds unmanaged trees with one allocation per node (and per root cell) from an <see cref="IAllocator"/>.</summary>
public unsafe struct PoolTreeBuilder(IAllocator allocator) : ITreeBuilder<NodeRef>
{
    private RootCell* _last;

    /// <summary>The first of the program's expressions, or null.</summary>
    public RootCell* First { get; private set; }

    /// <inheritdoc/>
    public NodeRef Number(double value)
    {
        Node* n = New(NodeKind.Number, null, null);
        n->Number = value;
        return new NodeRef(n);
    }

    /// <inheritdoc/>
    public NodeRef Variable(int index)
    {
        Node* n = New(NodeKind.Variable, null, null);
        n->Variable = index;
        return new NodeRef(n);
    }

    /// <inheritdoc/>
    public NodeRef Negate(NodeRef operand) => new(New(NodeKind.Negate, operand.Pointer, null));

    /// <inheritdoc/>
    public NodeRef Binary(BinaryOperator op, NodeRef left, NodeRef right) =>
        new(New(NodeKind.Add + (byte)op, left.Pointer, right.Pointer));

    /// <inheritdoc/>
    public NodeRef Call(Function function, NodeRef argument) =>
        new(New(NodeKind.Min + (byte)function, argument.Pointer, null));

    /// <inheritdoc/>
    public NodeRef Call(Function function, NodeRef first, NodeRef second) =>
        new(New(NodeKind.Min + (byte)function, first.Pointer, second.Pointer));

    /// <inheritdoc/>
    public void Root(NodeRef expression)
    {
        var cell = (RootCell*)allocator.Allocate((nuint)sizeof(RootCell));
        cell->Expression = expression.Pointer;
        cell->Next = null;
        if (_last == null)
        {
            First = cell;
        }
        else
        {
            _last->Next = cell;
        }

        _last = cell;
    }

    /// <summary>Frees every node and root cell, each expression's nodes children first.</summary>
    public void Free()
    {
        for (RootCell* cell = First; cell != null;)
        {
            RootCell* next = cell->Next;
            FreeTree(cell->Expression);
            allocator.Free(cell);
            cell = next;
        }

        First = _last = null;
    }

    private void FreeTree(Node* node)
    {
        if (node->Kind is not (NodeKind.Number or NodeKind.Variable))
        {
            FreeTree(node->Left);
            if (node->Right != null)
            {
                FreeTree(node->Right);
            }
        }

        allocator.Free(node);
    }

    private Node* New(NodeKind kind, Node* left, Node* right)
    {
        var n = (Node*)allocator.Allocate((nuint)sizeof(Node));
        n->Kind = kind;
        n->Left = left;
        n->Right = right;
        return n;
    }
}
