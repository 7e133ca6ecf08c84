// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// @title SpokePool
/// @notice A bridge spoke modelled on Across V3, simplified for local chains. On the origin
///         chain a depositor locks `inputAmount` of `inputToken` asking for `outputAmount` of
///         `outputToken` on `destinationChainId` (relayer fee = inputAmount - outputAmount, in
///         token base units). A relayer fills on the destination chain from its own funds
///         (`fillV3Relay`), then a RELAYER_ROLE holder marks the deposit filled on the origin
///         chain (`markFilled`), which repays it the locked inputAmount. A deposit never marked
///         filled can be refunded to its depositor once its fill deadline has passed.
/// @dev Unlike Across there is no hub pool, no root bundles and no slow fills: the RELAYER_ROLE
///      attests fills. Times are unix seconds (block.timestamp).
contract SpokePool is AccessControl, ReentrancyGuard {
    using SafeERC20 for IERC20;

    bytes32 public constant RELAYER_ROLE = keccak256("RELAYER_ROLE");

    /// @notice Everything a fill must match; hashed with the destination chain id.
    struct V3RelayData {
        address depositor;
        address recipient;
        address exclusiveRelayer;
        address inputToken;
        address outputToken;
        uint256 inputAmount;
        uint256 outputAmount;
        uint256 originChainId;
        uint32 depositId;
        uint32 fillDeadline;
        uint32 exclusivityDeadline;
        bytes message;
    }

    enum DepositStatus {
        None,
        Pending,
        Filled,
        Refunded
    }

    /// @notice What the origin chain keeps of a deposit to repay a relayer or refund.
    struct DepositRecord {
        address depositor;
        address inputToken;
        uint256 inputAmount;
        uint32 fillDeadline;
        DepositStatus status;
    }

    /// @notice deposits made so far; ids start at 0 like Across
    uint32 public numberOfDeposits;
    /// @notice origin side: deposit id => record
    mapping(uint32 => DepositRecord) public deposits;
    /// @notice destination side: relay hash => filled
    mapping(bytes32 => bool) public relayFilled;

    event V3FundsDeposited(
        address inputToken,
        address outputToken,
        uint256 inputAmount,
        uint256 outputAmount,
        uint256 indexed destinationChainId,
        uint32 indexed depositId,
        uint32 quoteTimestamp,
        uint32 fillDeadline,
        uint32 exclusivityDeadline,
        address indexed depositor,
        address recipient,
        address exclusiveRelayer,
        bytes message
    );
    event FilledV3Relay(
        address inputToken,
        address outputToken,
        uint256 inputAmount,
        uint256 outputAmount,
        uint256 repaymentChainId,
        uint256 indexed originChainId,
        uint32 indexed depositId,
        uint32 fillDeadline,
        uint32 exclusivityDeadline,
        address exclusiveRelayer,
        address indexed relayer,
        address depositor,
        address recipient,
        bytes32 relayHash
    );
    event V3DepositMarkedFilled(
        uint32 indexed depositId, address indexed relayer, address inputToken, uint256 inputAmount
    );
    event V3DepositRefunded(
        uint32 indexed depositId, address indexed depositor, address inputToken, uint256 inputAmount
    );

    error ZeroAmount();
    error ZeroAddress();
    error OutputExceedsInput(uint256 inputAmount, uint256 outputAmount);
    error SameChain(uint256 chainId);
    error InvalidQuoteTimestamp(uint32 quoteTimestamp);
    error InvalidFillDeadline(uint32 fillDeadline);
    error InvalidExclusivityDeadline(uint32 exclusivityDeadline);
    error WrongOriginChain(uint256 originChainId);
    error ExpiredFillDeadline(uint32 fillDeadline);
    error NotExclusiveRelayer(address exclusiveRelayer);
    error RelayFilled(bytes32 relayHash);
    error UnknownDeposit(uint32 depositId);
    error DepositNotPending(uint32 depositId, DepositStatus status);
    error FillDeadlineNotPassed(uint32 depositId, uint32 fillDeadline);

    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    function chainId() public view returns (uint256) {
        return block.chainid;
    }

    /// @notice Lock `inputAmount` of `inputToken` (pulled from the caller) to be relayed as
    ///         `outputAmount` of `outputToken` to `recipient` on `destinationChainId`.
    ///         `depositor` is who gets a refund if nobody fills before `fillDeadline`.
    function depositV3(
        address depositor,
        address recipient,
        address inputToken,
        address outputToken,
        uint256 inputAmount,
        uint256 outputAmount,
        uint256 destinationChainId,
        address exclusiveRelayer,
        uint32 quoteTimestamp,
        uint32 fillDeadline,
        uint32 exclusivityDeadline,
        bytes calldata message
    ) external nonReentrant returns (uint32 depositId) {
        if (depositor == address(0) || recipient == address(0)) revert ZeroAddress();
        if (inputToken == address(0) || outputToken == address(0)) revert ZeroAddress();
        if (inputAmount == 0 || outputAmount == 0) revert ZeroAmount();
        if (outputAmount > inputAmount) revert OutputExceedsInput(inputAmount, outputAmount);
        if (destinationChainId == block.chainid) revert SameChain(destinationChainId);
        if (quoteTimestamp > block.timestamp) revert InvalidQuoteTimestamp(quoteTimestamp);
        if (fillDeadline <= block.timestamp) revert InvalidFillDeadline(fillDeadline);
        if (exclusivityDeadline > fillDeadline) {
            revert InvalidExclusivityDeadline(exclusivityDeadline);
        }

        depositId = numberOfDeposits++;
        deposits[depositId] = DepositRecord({
            depositor: depositor,
            inputToken: inputToken,
            inputAmount: inputAmount,
            fillDeadline: fillDeadline,
            status: DepositStatus.Pending
        });
        IERC20(inputToken).safeTransferFrom(msg.sender, address(this), inputAmount);
        emit V3FundsDeposited(
            inputToken,
            outputToken,
            inputAmount,
            outputAmount,
            destinationChainId,
            depositId,
            quoteTimestamp,
            fillDeadline,
            exclusivityDeadline,
            depositor,
            recipient,
            exclusiveRelayer,
            message
        );
    }

    /// @notice The hash a fill is keyed by: the relay data plus this (destination) chain id.
    function getV3RelayHash(V3RelayData calldata relayData) public view returns (bytes32) {
        return keccak256(abi.encode(relayData, block.chainid));
    }

    /// @notice Fill a deposit made on `relayData.originChainId`: pays `outputAmount` of
    ///         `outputToken` from the caller to the recipient, once, before the fill deadline.
    function fillV3Relay(V3RelayData calldata relayData, uint256 repaymentChainId)
        external
        nonReentrant
    {
        if (relayData.originChainId == block.chainid) {
            revert WrongOriginChain(relayData.originChainId);
        }
        if (block.timestamp > relayData.fillDeadline) {
            revert ExpiredFillDeadline(relayData.fillDeadline);
        }
        if (
            relayData.exclusiveRelayer != address(0)
                && block.timestamp <= relayData.exclusivityDeadline
                && msg.sender != relayData.exclusiveRelayer
        ) revert NotExclusiveRelayer(relayData.exclusiveRelayer);
        if (relayData.recipient == address(0)) revert ZeroAddress();

        bytes32 relayHash = getV3RelayHash(relayData);
        if (relayFilled[relayHash]) revert RelayFilled(relayHash);
        relayFilled[relayHash] = true;

        IERC20(relayData.outputToken).safeTransferFrom(
            msg.sender, relayData.recipient, relayData.outputAmount
        );
        _emitFilled(relayData, repaymentChainId, relayHash);
    }

    /// @notice Origin side: the relayer attests it filled `depositId` on the destination chain
    ///         and is repaid the locked inputAmount.
    function markFilled(uint32 depositId) external onlyRole(RELAYER_ROLE) nonReentrant {
        DepositRecord storage record = _pendingDeposit(depositId);
        record.status = DepositStatus.Filled;
        IERC20(record.inputToken).safeTransfer(msg.sender, record.inputAmount);
        emit V3DepositMarkedFilled(depositId, msg.sender, record.inputToken, record.inputAmount);
    }

    /// @notice Origin side: after the fill deadline an unfilled deposit goes back to its
    ///         depositor. Anyone may trigger it; the funds only ever go to the depositor.
    function refundExpired(uint32 depositId) external nonReentrant {
        DepositRecord storage record = _pendingDeposit(depositId);
        if (block.timestamp <= record.fillDeadline) {
            revert FillDeadlineNotPassed(depositId, record.fillDeadline);
        }
        record.status = DepositStatus.Refunded;
        IERC20(record.inputToken).safeTransfer(record.depositor, record.inputAmount);
        emit V3DepositRefunded(depositId, record.depositor, record.inputToken, record.inputAmount);
    }

    function _pendingDeposit(uint32 depositId) private view returns (DepositRecord storage) {
        DepositRecord storage record = deposits[depositId];
        if (record.status == DepositStatus.None) revert UnknownDeposit(depositId);
        if (record.status != DepositStatus.Pending) {
            revert DepositNotPending(depositId, record.status);
        }
        return record;
    }

    function _emitFilled(V3RelayData calldata relayData, uint256 repaymentChainId, bytes32 hash)
        private
    {
        emit FilledV3Relay(
            relayData.inputToken,
            relayData.outputToken,
            relayData.inputAmount,
            relayData.outputAmount,
            repaymentChainId,
            relayData.originChainId,
            relayData.depositId,
            relayData.fillDeadline,
            relayData.exclusivityDeadline,
            relayData.exclusiveRelayer,
            msg.sender,
            relayData.depositor,
            relayData.recipient,
            hash
        );
    }
}
